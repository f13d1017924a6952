import { definePlugin } from 'hotswap-node';
import { answer, describe } from '../lib/prompt.ts';
import { bullets } from '../lib/text.ts';

interface NotesState {
  notes: string[];
}

export default definePlugin<NotesState>({
  name: 'notes',
  // Notes survive every edit of this file: the new version takes the previous state.
  migrate(previous) {
    const notes = (previous as Partial<NotesState> | undefined)?.notes;
    return { notes: Array.isArray(notes) ? notes : [] };
  },
  setup(ctx) {
    ctx.state.notes ??= [];
    const { state } = ctx;
    ctx.tool(
      'notes',
      ({ keyword, input }: { keyword: string; input: string }) => {
        const [verb = 'list', ...rest] = input.split(' ');
        if (keyword === 'note' && verb === 'add' && rest.length > 0) {
          state.notes.push(rest.join(' '));
          return answer(`Noted (${state.notes.length} in total).`);
        }
        if (keyword === 'note' && verb === 'clear') {
          state.notes.length = 0;
          return answer('All notes cleared.');
        }
        return answer(state.notes.length === 0 ? 'No notes yet: try "note add buy milk".' : `Your notes:\n${bullets(state.notes)}`);
      },
      { description: describe(ctx.asset('prompts/notes.md')), keywords: ['note', 'notes'], example: 'note add buy milk' },
    );
    ctx.command('notes', () => bullets(state.notes), { description: 'List the notes' });
    ctx.route('GET', '/api/notes', () => ({ notes: state.notes }));
  },
});

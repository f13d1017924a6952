import { definePlugin } from 'hotswap-node';

interface Message {
  message: string;
}

// message:before: tidy whitespace and expand abbreviations (prompts/abbreviations.json,
// read on every message: edit the JSON while the app runs).
export default definePlugin({
  name: 'normalize',
  setup(ctx) {
    ctx.on<Message>('message:before', (payload) => {
      const abbreviations = ctx.asset<Record<string, string>>('prompts/abbreviations.json');
      const words = payload.message.trim().split(/\s+/).map((word) => abbreviations[word.toLowerCase()] ?? word);
      return { ...payload, message: words.join(' ') };
    });
  },
});

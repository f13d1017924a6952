import { definePlugin } from 'hotswap-node';
import { answer, describe } from '../lib/prompt.ts';

export default definePlugin({
  name: 'clock',
  setup(ctx) {
    ctx.tool(
      'clock',
      () => {
        const now = new Date();
        return answer(`It is ${now.toISOString().slice(11, 19)} UTC on ${now.toISOString().slice(0, 10)}.`);
      },
      { description: describe(ctx.asset('prompts/clock.md')), keywords: ['time', 'clock', 'date'], example: 'time' },
    );
  },
});

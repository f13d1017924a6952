import { definePlugin } from 'hotswap-node';
import { answer, describe } from '../lib/prompt.ts';
import { quote } from '../lib/text.ts';

export default definePlugin({
  name: 'echo',
  setup(ctx) {
    ctx.tool('echo', ({ input }: { input: string }) => answer(quote(input)), {
      description: describe(ctx.asset('prompts/echo.md')),
      keywords: ['echo', 'say'],
      example: 'echo hello',
    });
  },
});

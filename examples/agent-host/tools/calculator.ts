import { definePlugin } from 'hotswap-node';
import { answer, describe } from '../lib/prompt.ts';
import { evaluate } from './lib/arithmetic.ts';

export default definePlugin({
  name: 'calculator',
  setup(ctx) {
    ctx.tool(
      'calculator',
      ({ input }: { input: string }) => {
        try {
          return answer(`${input.replace(/\s+/g, '')} = ${evaluate(input)}`);
        } catch (error) {
          return answer(`I can't compute "${input}": ${(error as Error).message}.`);
        }
      },
      { description: describe(ctx.asset('prompts/calculator.md')), keywords: ['calc', 'calculate'], example: 'calc 2+3' },
    );
  },
  // Runs against the new version before it goes live: a broken calculator never replaces a working one.
  async smoke(probe) {
    const result = await probe.call('calculator', { input: '2+3*4' });
    if (!String(result).endsWith('= 14')) throw new Error(`calc 2+3*4 answered "${String(result)}"`);
  },
});

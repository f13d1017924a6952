import { definePlugin } from 'hotswap-node';

interface Reply {
  reply: string;
}

// message:after: every reply ends with the mood. Change it while the app runs.
const MOOD = ':)';

export default definePlugin({
  name: 'tone',
  setup(ctx) {
    ctx.on<Reply>('message:after', (payload) => ({ ...payload, reply: `${payload.reply} ${MOOD}` }));
  },
});

// Terminal mode: one message per stdin line, the reply on stdout. Lines that start with
// "/" run a plugin command ("/notes"), or "/tools" and "/plugins".
import { createInterface } from 'node:readline';
import type { PluginHost } from 'hotswap-node';
import { chat } from './agent.ts';

export function startTerminal(host: PluginHost, onEnd: () => void): () => void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(() => answer(host, line.trim())).catch((error: unknown) => console.log(`error: ${error instanceof Error ? error.message : String(error)}`));
  });
  lines.on('close', () => void queue.then(onEnd));
  return () => lines.removeAllListeners('close').close();
}

async function answer(host: PluginHost, line: string): Promise<void> {
  if (line === '') return;
  if (line === '/tools') return console.log(host.tools.list().map((t) => `${t.name} (v${t.version}): ${t.description ?? ''}`).join('\n'));
  if (line === '/plugins') return console.log(host.stats().map((p) => `${p.name} v${p.version ?? '-'} ${p.status}`).join('\n'));
  if (line.startsWith('/')) {
    const [name = '', ...args] = line.slice(1).split(' ');
    return console.log(String(await host.commands.run(name, args)));
  }
  const { reply } = await chat(host, line);
  console.log(reply);
}

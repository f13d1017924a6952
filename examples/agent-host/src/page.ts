// The chat page: one HTML document, no build step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * hotswap's embeddable status panel, when the app runs under `hotswap run`: the page gets the
 * read-only panel token server-side (never the admin token). The control server accepts the
 * page's origin only if package.json lists it in "hotswap.control.allowOrigins".
 */
function panelScript(): string {
  try {
    const dir = join(import.meta.dirname, '..', '.hotswap');
    const { url } = JSON.parse(readFileSync(join(dir, 'control.json'), 'utf8')) as { url: string };
    const token = readFileSync(join(dir, 'panel-token'), 'utf8').trim();
    return `<script src="${url}/panel.js" data-token="${token}" async></script>`;
  } catch {
    return '<!-- no hotswap control server: run under `hotswap run` to get the status panel -->';
  }
}

export function chatPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agent-host · hotswap</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  #log { border: 1px solid #ddd; border-radius: 8px; padding: 0.75rem; min-height: 16rem; white-space: pre-wrap; }
  .you { color: #555; } .pip { margin: 0.25rem 0 0.75rem; } .tool { color: #888; font-size: 0.85em; }
  form { display: flex; gap: 0.5rem; margin-top: 0.75rem; } input { flex: 1; padding: 0.5rem; } button { padding: 0.5rem 1rem; }
</style>
</head>
<body>
<h1>agent-host</h1>
<p>Try <code>calc 2+3</code>, <code>note add buy milk</code>, <code>notes</code>, <code>time</code>, <code>echo hello</code>. Edit <code>tools/</code>, <code>extensions/</code> or <code>prompts/</code> while it runs.</p>
<div id="log"></div>
<form id="form"><input id="message" autocomplete="off" placeholder="Say something" autofocus><button>Send</button></form>
<script>
  const log = document.getElementById('log');
  const line = (cls, text) => { const div = document.createElement('div'); div.className = cls; div.textContent = text; log.append(div); };
  document.getElementById('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('message');
    const message = input.value.trim();
    if (!message) return;
    input.value = '';
    line('you', '> ' + message);
    const response = await fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
    const data = await response.json();
    for (const call of data.toolCalls ?? []) line('tool', '[' + call.plugin + ' v' + call.version + '] ' + call.tool + ' ' + call.input);
    line('pip', data.reply ?? data.error?.text ?? 'error');
  });
</script>
${panelScript()}
</body>
</html>
`;
}

// Shared by every tool: edit it and all of them are set up again, in one reload.

/** The first line of a prompt file that is not a heading or blank: a tool's one-line description. */
export function describe(markdown: string): string {
  const line = markdown.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  return line?.trim() ?? '';
}

/** A tool's answer as the chat shows it. */
export function answer(text: string): string {
  return text;
}

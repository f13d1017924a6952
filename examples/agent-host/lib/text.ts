// Shared by the notes and echo tools.

export function quote(text: string): string {
  return text === '' ? '(nothing to echo)' : text;
}

export function bullets(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}

// The "model": deterministic. A message whose first word is one of a tool's keywords
// calls that tool with the rest of the message; anything else gets the persona's reply.
import type { ToolInfo } from 'hotswap-node';

export interface Step {
  tool: string;
  keyword: string;
  input: string;
}

export function plan(message: string, tools: readonly ToolInfo[]): Step | undefined {
  const [first = ''] = message.split(' ');
  const keyword = first.toLowerCase();
  const tool = tools.find((t) => keywordsOf(t).includes(keyword));
  return tool && { tool: tool.name, keyword, input: message.slice(first.length).trim() };
}

export function keywordsOf(tool: ToolInfo): string[] {
  const keywords = tool.meta['keywords'];
  return Array.isArray(keywords) ? keywords.filter((k): k is string => typeof k === 'string') : [];
}

/** The persona line of prompts/system.md and what the tools can do. */
export function personaReply(systemPrompt: string, tools: readonly ToolInfo[]): string {
  const persona = /^persona:\s*(.+)$/m.exec(systemPrompt)?.[1]?.trim() ?? "I'm an assistant.";
  const examples = tools.map((t) => t.meta['example']).filter((e): e is string => typeof e === 'string');
  return examples.length > 0 ? `${persona} Try: ${examples.join(' · ')}` : persona;
}

// One chat turn: message:before hooks → plan → tool call → message:after hooks.
import type { PluginHost } from 'hotswap-node';
import { personaReply, plan } from './planner.ts';

export interface ToolCall {
  tool: string;
  plugin: string;
  version: number;
  input: string;
  output: string;
  error?: string;
}

export interface ChatReply {
  reply: string;
  toolCalls: ToolCall[];
}

export async function chat(host: PluginHost, message: string): Promise<ChatReply> {
  const before = await host.emit('message:before', { message });
  const tools = host.tools.list();
  const step = plan(before.message, tools);
  const toolCalls: ToolCall[] = [];
  let reply: string;
  if (step) {
    const info = tools.find((t) => t.name === step.tool);
    const call: ToolCall = { tool: step.tool, plugin: info?.plugin ?? step.tool, version: info?.version ?? 0, input: step.input, output: '' };
    try {
      call.output = String(await host.tools.call(step.tool, { keyword: step.keyword, input: step.input }));
      reply = call.output;
    } catch (error) {
      call.error = error instanceof Error ? error.message : String(error);
      reply = `The ${step.tool} tool failed: ${call.error}`;
    }
    toolCalls.push(call);
  } else {
    reply = personaReply(host.asset('prompts/system.md'), tools);
  }
  const after = await host.emit('message:after', { message: before.message, reply, toolCalls });
  return { reply: after.reply, toolCalls: after.toolCalls };
}

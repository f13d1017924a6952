/**
 * The peer comparison as a Markdown table: one row per app size and scenario, one column per
 * peer (lower is better everywhere), hotswap's ratio to the best other peer, and a list of the
 * rows where hotswap is not ahead.
 */
import type { PeerResult, SizeResult } from '../peer-compare.ts';
import type { MachineInfo } from '../lib/util.ts';

interface Output {
  date: string;
  command: string;
  quick: boolean;
  seconds: number;
  machine: MachineInfo;
  peers: PeerResult[];
}

interface Row {
  label: string;
  /** number: compared (lower is better); string: shown only */
  value(size: SizeResult): number | string | undefined;
  unit: string;
}

const fmt = (v: number | undefined, unit: string): string => (v === undefined || Number.isNaN(v) ? '–' : unit === 'ms' ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : String(v));
const lost = (n: number): string => (n > 0 ? ` (${n} lost)` : '');

const ROWS: Row[] = [
  { label: 'start, cold (ms)', unit: 'ms', value: (s) => s.startCold.median },
  { label: 'start, warm (ms)', unit: 'ms', value: (s) => s.startWarm.median },
  { label: 'leaf edit → served (ms)', unit: 'ms', value: (s) => (s.leafLost > 0 ? `${fmt(s.leaf.median, 'ms')}${lost(s.leafLost)}` : s.leaf.median) },
  { label: 'every-module-re-runs edit → served (ms)', unit: 'ms', value: (s) => (s.rerunLost > 0 ? `${fmt(s.rerun.median, 'ms')}${lost(s.rerunLost)}` : s.rerun.median) },
  { label: 'every-module-re-runs edit, the first after the start (ms)', unit: 'ms', value: (s) => s.rerunFirst },
  { label: '2 saves 10 ms apart → 2nd served (ms)', unit: 'ms', value: (s) => (s.twoSavesLost > 0 ? `${fmt(s.twoSaves.median, 'ms')}${lost(s.twoSavesLost)}` : s.twoSaves.median) },
  { label: 'broken save: failed requests in 1 s', unit: 'n', value: (s) => s.broken.reduce((a, b) => a + b.failedWhileBroken, 0) },
  { label: 'broken save: fix → served (ms)', unit: 'ms', value: (s) => s.broken[0]?.fixMs },
  { label: 'failed requests under load while editing', unit: 'n', value: (s) => s.load.failed },
];

export function renderTable(output: Output): string {
  const ran = output.peers.filter((p) => !p.notRun);
  const header = `| App | Scenario | ${ran.map((p) => p.name).join(' | ')} | hotswap ÷ best other |\n|---|---|${ran.map(() => '--:').join('|')}|--:|\n`;
  const behind: string[] = [];
  let body = '';
  const sizes = [...new Set(ran.flatMap((p) => p.sizes.map((s) => s.modules)))].sort((a, b) => a - b);
  for (const modules of sizes) {
    for (const row of ROWS) {
      const cells = ran.map((p) => {
        const size = p.sizes.find((s) => s.modules === modules);
        return size ? row.value(size) : undefined;
      });
      const mine = cells[ran.findIndex((p) => p.name === 'hotswap')];
      const others = cells.filter((c, i) => ran[i]?.name !== 'hotswap' && typeof c === 'number') as number[];
      const best = others.length > 0 ? Math.min(...others) : undefined;
      let ratio = '–';
      if (typeof mine === 'number' && best !== undefined) {
        ratio = best === 0 ? (mine === 0 ? 'tie (0)' : `${mine} vs 0`) : `${(mine / best).toFixed(2)}×`;
        if (mine > best) behind.push(`${modules} modules, ${row.label}: hotswap ${fmt(mine, row.unit)} vs best ${fmt(best, row.unit)} (${ran[cells.indexOf(best)]?.name})`);
      }
      const shown = cells.map((c) => (typeof c === 'number' ? fmt(c, row.unit) : (c ?? '–')));
      const bestIndex = best === undefined ? -1 : cells.indexOf(typeof mine === 'number' && mine <= best ? mine : best);
      body += `| ${modules} | ${row.label} | ${shown.map((c, i) => (i === bestIndex ? `**${c}**` : c)).join(' | ')} | ${ratio} |\n`;
    }
  }
  let memory = '';
  for (const p of ran) {
    for (const size of p.sizes) {
      for (const series of size.memory ?? []) {
        const first = series.points[0]?.heapMB;
        const last = series.points.at(-1)?.heapMB;
        const growth = first !== undefined && last !== undefined ? (last - first).toFixed(1) : '–';
        memory += `| ${p.name} | ${size.modules} | ${series.kind === 'leaf' ? 'leaf' : 'every module re-runs'} | ${series.points.map((pt) => `${pt.edits}: ${pt.heapMB ?? '–'}`).join(' · ')} | ${growth} |\n`;
      }
    }
  }
  const notRun = output.peers.filter((p) => p.notRun).map((p) => `- **${p.name}** did not run: ${p.notRun?.split('\n')[0]}`);
  const m = output.machine;
  return [
    `Peer comparison — ${output.date.slice(0, 10)}, ${m.cpu} (${m.cores} cores, ${m.memoryGB} GB), ${m.platform}, Node ${m.node}, load average ${m.loadAverage1m} at the start; \`${output.command}\` (${output.quick ? 'quick mode, ' : ''}${output.seconds} s). Medians; lower is better; **bold** = best.`,
    '',
    header + body,
    '**Heap after GC** (the app\u2019s /heap: full GCs in the app, MB) after N edits (restarting peers start a fresh process on every edit):',
    '',
    `| Peer | App | Edit | edits: heap MB | growth (MB) |\n|---|--:|---|---|--:|\n${memory}`,
    ...(notRun.length > 0 ? ['Peers that could not run here:', '', ...notRun, ''] : []),
    behind.length > 0 ? `Where hotswap is not ahead:\n\n${behind.map((b) => `- ${b}`).join('\n')}\n` : 'hotswap is ahead (or tied) in every row.\n',
  ].join('\n');
}

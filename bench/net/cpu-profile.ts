/**
 * CPU profiles of a worker process during one measurement only (not its start-up), through
 * `node:inspector`, summarised as self time per function: the evidence behind each bound named
 * in `docs/performance.md`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** One line of a summary: a function, where it is, and its share of the samples. */
export interface ProfileLine {
  readonly percent: number;
  readonly name: string;
}

/** Self time per function, as shares of all samples (idle included, so busy time shows). */
export interface ProfileSummary {
  readonly samples: number;
  readonly lines: ProfileLine[];
}

/** One node of a profile's call tree. */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** V8's pseudo-frames, named as they are. */
const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

let session: Session | undefined;

function post<T>(method: string): Promise<T> {
  return new Promise((resolve, reject) => session!.post(method, (error, result) => (error ? reject(error) : resolve(result as T))));
}

/** Starts sampling this process. */
export async function startProfile(): Promise<void> {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
}

/**
 * Stops sampling and returns the `top` functions by self time. With `save`, also writes the
 * whole profile there: the format `node --cpu-prof` writes, which Chrome DevTools opens.
 */
export async function stopProfile(top: number, save?: string): Promise<ProfileSummary> {
  const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
  session!.disconnect();
  session = undefined;
  if (save !== undefined) writeFileSync(save, JSON.stringify(profile));
  return summarizeProfile(profile, top);
}

/** A V8 CPU profile, as `Profiler.stop` returns it and `node --cpu-prof` writes it. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** The node sampled at each tick. */
  samples: number[];
}

/** The `top` functions of `profile` by self time, as shares of all samples, idle included. */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const selfSamples = new Map<string, number>();
  for (const id of profile.samples) {
    const name = frameName(nodes.get(id)!, parents);
    selfSamples.set(name, (selfSamples.get(name) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const lines = [...selfSamples]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => ({ name, percent: (100 * count) / total }));
  return { samples: total, lines };
}

function located(node: ProfileNode): string {
  const frame = node.callFrame;
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

/**
 * A frame's name and place. Native code has no place, and addons' functions may carry a wrong
 * name (sodium-native's show as unrelated bindings), so a native frame is named by its caller.
 */
function frameName(node: ProfileNode, parents: ReadonlyMap<number, ProfileNode>): string {
  if (node.callFrame.url !== '' || PSEUDO.has(node.callFrame.functionName)) return located(node);
  const parent = parents.get(node.id);
  return parent === undefined ? located(node) : `native, called from ${located(parent)}`;
}

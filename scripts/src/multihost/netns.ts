// A small network of "hosts" on this machine: one Linux network namespace per host, each with a
// veth pair plugged into one bridge in the root namespace (which gets the subnet's .1, so the test
// or benchmark itself reaches every host, as an operator's machine on the same network would).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Host {
  /** Role name, e.g. 'svc', 'api1'. */
  name: string;
  netns: string;
  address: string;
  /** Command words that run a command on this host. */
  prefix: string[];
}

export interface Network {
  /** The bridge's own address (the root namespace's address on this network). */
  gateway: string;
  hosts: Map<string, Host>;
  host(name: string): Host;
  /** kill -9 of every process on the host, then its link goes down: the host is gone. */
  killHost(name: string): void;
  destroy(): void;
}

function ip(args: string[]): string {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(run.stderr || run.error?.message || '').trim()}`);
  return run.stdout;
}

/** Why this machine cannot build the network (not root, no `ip`, no netns support); null when it can. */
export function netnsUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespaces need root';
  const probe = `mhprobe${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `\`ip\` is not available (${add.error.message}; Debian: iproute2)`;
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  const veth = spawnSync('ip', ['link', 'add', `${probe}a`, 'type', 'veth', 'peer', 'name', `${probe}b`], { encoding: 'utf8' });
  if (veth.status !== 0) return `cannot create a veth pair: ${veth.stderr.trim()}`;
  spawnSync('ip', ['link', 'del', `${probe}a`]);
  return null;
}

/** Creates the bridge and one namespace per name, addressed .2, .3, ... in a random 10.x.y.0/24. */
export function createNetwork(names: string[]): Network {
  const id = randomBytes(2).toString('hex');
  const subnet = `10.${200 + (parseInt(id, 16) % 50)}.${parseInt(id.slice(2), 16)}`;
  const bridge = `mh${id}br`;
  const hosts = new Map<string, Host>();
  const created: string[] = [];
  const destroy = () => {
    for (const h of hosts.values()) {
      killAll(h.netns);
      spawnSync('ip', ['netns', 'del', h.netns]);
    }
    spawnSync('ip', ['link', 'del', bridge]);
  };
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    created.push(bridge);
    ip(['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    names.forEach((name, i) => {
      const netns = `mh${id}-${name}`;
      const address = `${subnet}.${i + 2}`;
      const outside = `mh${id}${name}`.slice(0, 15);
      ip(['netns', 'add', netns]);
      hosts.set(name, { name, netns, address, prefix: ['ip', 'netns', 'exec', netns] });
      ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      ip(['link', 'set', outside, 'master', bridge, 'up']);
      ip(['-n', netns, 'link', 'set', 'lo', 'up']);
      ip(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', netns, 'route', 'add', 'default', 'via', `${subnet}.1`]);
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    gateway: `${subnet}.1`,
    hosts,
    host(name) {
      const h = hosts.get(name);
      if (!h) throw new Error(`no host ${name}`);
      return h;
    },
    killHost(name) {
      const h = this.host(name);
      killAll(h.netns);
      ip(['-n', h.netns, 'link', 'set', 'eth0', 'down']);
    },
    destroy,
  };
}

function killAll(netns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The air-gap check at start: any network interface up other than loopback, any wireless device, or a
 * default route, read from /sys and /proc (no root, no tools). Keyward reports; it does not change the network.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AirGapStatus, NetworkInterfaceState } from '../../shared/air-gap';

/** Interfaces that cannot reach another machine whatever their state. */
const isLoopback = (name: string): boolean => name === 'lo';

/** Default routes from /proc/net/route (IPv4) and /proc/net/ipv6_route: the interfaces they leave by. */
export function defaultRoutes(ipv4: string, ipv6: string): string[] {
  const routes = new Set<string>();
  for (const line of ipv4.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === '00000000' && mask === '00000000' && !isLoopback(iface)) routes.add(iface);
  }
  for (const line of ipv6.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const [destination, prefix] = fields;
    const iface = fields[9];
    if (iface && destination === '0'.repeat(32) && prefix === '00' && !isLoopback(iface)) routes.add(iface);
  }
  return [...routes].sort();
}

export function assess(interfaces: NetworkInterfaceState[], routes: string[]): AirGapStatus {
  const findings: string[] = [];
  for (const i of interfaces.filter((x) => x.wireless)) findings.push(`Wireless device ${i.name} is present (${i.state}).`);
  for (const i of interfaces.filter((x) => !isLoopback(x.name) && !x.wireless && (x.state === 'up' || x.state === 'dormant'))) findings.push(`Network interface ${i.name} is up.`);
  for (const r of routes) findings.push(`A default route leaves through ${r}.`);
  return { isolated: findings.length === 0, findings, interfaces, defaultRoutes: routes };
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

export function airGapStatus(sysClassNet = '/sys/class/net', procNet = '/proc/net'): AirGapStatus {
  let names: string[];
  try {
    names = readdirSync(sysClassNet);
  } catch {
    names = [];
  }
  const interfaces = names.sort().map((name) => ({
    name,
    state: read(join(sysClassNet, name, 'operstate')).trim() || 'unknown',
    wireless: existsSync(join(sysClassNet, name, 'wireless')) || existsSync(join(sysClassNet, name, 'phy80211')),
  }));
  return assess(interfaces, defaultRoutes(read(join(procNet, 'route')), read(join(procNet, 'ipv6_route'))));
}

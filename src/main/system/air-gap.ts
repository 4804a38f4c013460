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

/** IFF_UP in /sys/class/net/NAME/flags: the interface is administratively up, whatever its operstate says (tunnels report "unknown"). */
const interfaceUp = 0x1;

export function assess(
  interfaces: NetworkInterfaceState[],
  routes: string[],
  other: { bluetooth?: string[]; unreadable?: string[] } = {},
): AirGapStatus {
  const findings: string[] = [];
  for (const what of other.unreadable ?? []) findings.push(`${what} could not be read, so the air gap is not known.`);
  for (const i of interfaces.filter((x) => x.wireless))
    findings.push(`Wireless device ${i.name} is present (${i.state}).`);
  for (const name of other.bluetooth ?? []) findings.push(`Bluetooth adapter ${name} is present.`);
  for (const i of interfaces.filter(
    (x) => !isLoopback(x.name) && !x.wireless && (x.up || x.state === 'up' || x.state === 'dormant'),
  ))
    findings.push(`Network interface ${i.name} is up.`);
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

const list = (folder: string): string[] | undefined => {
  try {
    return readdirSync(folder).sort();
  } catch {
    return undefined;
  }
};

export function airGapStatus(
  sysClassNet = '/sys/class/net',
  procNet = '/proc/net',
  sysClassBluetooth = '/sys/class/bluetooth',
): AirGapStatus {
  const names = list(sysClassNet);
  const interfaces = (names ?? []).map((name) => ({
    name,
    state: read(join(sysClassNet, name, 'operstate')).trim() || 'unknown',
    up: (Number.parseInt(read(join(sysClassNet, name, 'flags')).trim() || '0', 16) & interfaceUp) !== 0,
    wireless: existsSync(join(sysClassNet, name, 'wireless')) || existsSync(join(sysClassNet, name, 'phy80211')),
  }));
  const ipv4 = read(join(procNet, 'route'));
  const unreadable = [...(names === undefined ? [sysClassNet] : []), ...(ipv4 === '' ? [join(procNet, 'route')] : [])];
  return assess(interfaces, defaultRoutes(ipv4, read(join(procNet, 'ipv6_route'))), {
    bluetooth: list(sysClassBluetooth) ?? [],
    unreadable,
  });
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { airGapStatus, assess, defaultRoutes } from '../../src/main/system/air-gap';

const ipv4 = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const ipv6 = `fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     wlan0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

describe('the air-gap check', () => {
  it('finds default routes over IPv4 and IPv6, ignoring loopback and ordinary routes', () => {
    expect(defaultRoutes(ipv4, ipv6)).toEqual(['eth0', 'wlan0']);
    expect(defaultRoutes(ipv4.split('\n').slice(0, 1).join('\n'), '')).toEqual([]);
  });

  it('names every interface up, every wireless device and every default route', () => {
    const status = assess(
      [
        { name: 'lo', state: 'unknown', up: true, wireless: false },
        { name: 'eth0', state: 'up', up: true, wireless: false },
        { name: 'eth1', state: 'down', up: false, wireless: false },
        { name: 'wg0', state: 'unknown', up: true, wireless: false },
        { name: 'wlan0', state: 'down', up: false, wireless: true },
      ],
      ['eth0'],
      { bluetooth: ['hci0'] },
    );
    expect(status.isolated).toBe(false);
    expect(status.findings).toEqual([
      'Wireless device wlan0 is present (down).',
      'Bluetooth adapter hci0 is present.',
      'Network interface eth0 is up.',
      'Network interface wg0 is up.',
      'A default route leaves through eth0.',
    ]);
    expect(
      assess(
        [
          { name: 'lo', state: 'unknown', up: true, wireless: false },
          { name: 'eth0', state: 'down', up: false, wireless: false },
        ],
        [],
      ),
    ).toMatchObject({ isolated: true, findings: [] });
    expect(assess([], [], { unreadable: ['/sys/class/net'] })).toMatchObject({
      isolated: false,
      findings: ['/sys/class/net could not be read, so the air gap is not known.'],
    });
  });

  it('reads the state from /sys and /proc layouts: IFF_UP flags, wireless and Bluetooth devices, and what could not be read', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyward-net-'));
    try {
      const interfaces = [
        ['lo', 'unknown', '0x9', false],
        ['eth0', 'down', '0x1002', false],
        ['wg0', 'unknown', '0x91', false],
        ['wlp2s0', 'dormant', '0x1003', true],
      ] as const;
      for (const [name, state, flags, wireless] of interfaces) {
        mkdirSync(join(root, 'sys', name, wireless ? 'wireless' : 'queues'), { recursive: true });
        writeFileSync(join(root, 'sys', name, 'operstate'), `${state}\n`);
        writeFileSync(join(root, 'sys', name, 'flags'), `${flags}\n`);
      }
      mkdirSync(join(root, 'proc'));
      writeFileSync(join(root, 'proc', 'route'), ipv4.split('\n')[0] ?? '');
      mkdirSync(join(root, 'bluetooth', 'hci0'), { recursive: true });
      const status = airGapStatus(join(root, 'sys'), join(root, 'proc'), join(root, 'bluetooth'));
      expect(status.interfaces.map((i) => `${i.name}:${i.state}:${String(i.up)}:${String(i.wireless)}`)).toEqual([
        'eth0:down:false:false',
        'lo:unknown:true:false',
        'wg0:unknown:true:false',
        'wlp2s0:dormant:true:true',
      ]);
      expect(status.findings).toEqual([
        'Wireless device wlp2s0 is present (dormant).',
        'Bluetooth adapter hci0 is present.',
        'Network interface wg0 is up.',
      ]);
      // Nothing readable is not "isolated".
      const unknown = airGapStatus(join(root, 'no-sys'), join(root, 'no-proc'), join(root, 'no-bluetooth'));
      expect(unknown.isolated).toBe(false);
      expect(unknown.findings).toEqual([
        `${join(root, 'no-sys')} could not be read, so the air gap is not known.`,
        `${join(root, 'no-proc', 'route')} could not be read, so the air gap is not known.`,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/*
 * npm run bench:overhead — where MessagingClient's client-side time goes per call,
 * without a network: both clients run over an in-memory ClientProxy that
 * serializes each packet to its wire JSON (as ClientTCP does) and answers on
 * the next microtask. What remains is the client's own CPU cost per call.
 */
import 'reflect-metadata';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MessagingClient, MessagingClientSerializer } from 'nestjs-messaging';
import { encodeMetadata, newId } from 'nestjs-messaging/extend';

/** Answers every request on the next microtask with its payload, after serializing it as ClientTCP would. */
class InMemoryProxy extends ClientProxy {
  constructor(serializer?: MessagingClientSerializer) {
    super();
    this.initializeSerializer(serializer ? { serializer } : {});
    this.initializeDeserializer({});
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  unwrap<T>(): T {
    return undefined as T;
  }
  protected publish(packet: ReadPacket & { id?: string }, callback: (packet: WritePacket) => void): () => void {
    const p = this.assignPacketId(packet);
    const wire = JSON.stringify(this.serializer.serialize(p));
    queueMicrotask(() => callback({ response: JSON.parse(wire).data, isDisposed: true }));
    return () => undefined;
  }
  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    JSON.stringify(this.serializer.serialize(packet));
    return Promise.resolve(undefined as T);
  }
}

const PATTERN = { cmd: 'echo' };
const PAYLOAD = { id: 42, name: 'Sample User', email: 'user@example.com', tags: ['admin', 'math'] };

async function measure(call: () => Promise<unknown>, calls: number): Promise<number> {
  const batch = 256;
  const cpu0 = process.cpuUsage();
  for (let done = 0; done < calls; done += batch) await Promise.all(Array.from({ length: batch }, call));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

function measureSync(fn: () => unknown, calls: number): number {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

async function main(): Promise<void> {
  const calls = Number(process.env.OVERHEAD_CALLS ?? 200_000);
  const raw = new InMemoryProxy();
  const wrapped = MessagingClient.wrap(new InMemoryProxy(new MessagingClientSerializer()), 'bench');
  // Without the library's serializer the metadata never reaches the wire: what is left is the wrapper's own cost.
  const noWire = MessagingClient.wrap(new InMemoryProxy(), 'bench-no-wire');
  const cases: Array<[string, () => Promise<unknown> | unknown, boolean]> = [
    ['raw ClientProxy.send', () => lastValueFrom(raw.send(PATTERN, PAYLOAD)), true],
    ['MessagingClient.send (default policy: 5 s budget)', () => lastValueFrom(wrapped.send(PATTERN, PAYLOAD)), true],
    ['MessagingClient.send (timeout: false)', () => lastValueFrom(wrapped.send(PATTERN, PAYLOAD, { timeout: false })), true],
    ['MessagingClient.send, metadata not put on the wire', () => lastValueFrom(noWire.send(PATTERN, PAYLOAD)), true],
    ['  of which: 2 x newId()', () => newId() + newId(), false],
    [
      '  of which: encodeMetadata()',
      () => encodeMetadata({ messageId: 'a', correlationId: 'b', causationId: undefined, sentAt: Date.now(), attempt: 1, payloadVersion: undefined, app: {} }),
      false,
    ],
    ['  of which: setTimeout + clearTimeout', () => clearTimeout(setTimeout(() => undefined, 5000)), false],
  ];
  const results = new Map<string, number[]>();
  for (let round = 0; round < 5; round++) {
    for (const [name, fn, async] of cases) {
      const us = async ? await measure(fn as () => Promise<unknown>, calls / 5) : measureSync(fn, calls);
      if (round > 0) results.set(name, [...(results.get(name) ?? []), us]); // round 0 warms up
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const base = med(results.get(cases[0]![0])!);
  console.log('| client-side CPU per call (in-memory transport, median of 4 rounds) | µs | over raw |');
  console.log('|---|---:|---:|');
  for (const [name] of cases) {
    const us = med(results.get(name)!);
    const over = name.startsWith('  ') || name === cases[0]![0] ? '' : `+${(us - base).toFixed(2)}`;
    console.log(`| ${name} | ${us.toFixed(2)} | ${over} |`);
  }
}

void main();

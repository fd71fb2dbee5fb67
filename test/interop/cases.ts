import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, MqttRecordBuilder, Payload, type MqttContext, type MqttRecord, type RmqContext } from '@nestjs/microservices';
import { connect } from 'mqtt';
import { waitFor } from '../support/nest';

/**
 * Issue 11, item 7: two Nest idioms in the interop matrix (test/interop.e2e.spec.ts,
 * test/interop-majors.e2e.spec.ts; test/interop/peer.cjs has the same handlers for the
 * other major):
 * - MQTT: a caller's `MqttRecordBuilder` record (QoS 1, retain, MQTT 5 properties)
 *   reaches a handler as its data, with the packet's QoS and properties;
 * - RabbitMQ: handlers that acknowledge their own delivery (`noAck: false` +
 *   `ctx.getChannelRef().ack(ctx.getMessage())`) answer every call, once.
 */

/** What the record carries. */
export const RECORD_DATA = { items: [1, 2, 3] };
/** Its MQTT 5 properties. */
export const RECORD_PROPERTIES = { userProperties: { 'x-tenant': 'acme' }, contentType: 'application/json' };

/** A fresh record (Nest's ClientMqtt deletes a record's options when it publishes it: never reuse one). */
export function mqttRecord(retain = false): MqttRecord {
  return new MqttRecordBuilder({ ...RECORD_DATA }).setQoS(1).setRetain(retain).setProperties(structuredClone(RECORD_PROPERTIES)).build();
}

/** What a handler saw of an MQTT message. */
export interface PacketSeen {
  data: unknown;
  qos: number;
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
}

function packetSeen(data: unknown, ctx: MqttContext): PacketSeen {
  const packet = ctx.getPacket() as { qos: number; properties?: { userProperties?: Record<string, string | string[]>; contentType?: string } };
  return { data, qos: packet.qos, userProperties: packet.properties?.userProperties, contentType: packet.properties?.contentType };
}

/** One run of a handler that acknowledges its own delivery. */
export interface AckRun {
  cmd: 'ack' | 'ack_ev';
  n: number;
  client?: string;
  redelivered: boolean;
}

/** What the handlers of one server saw. */
export class CaseSink {
  readonly events: PacketSeen[] = [];
  readonly runs: AckRun[] = [];
  /** 'error' events of the channels the handlers acknowledged on (a 406 PRECONDITION_FAILED closes the channel with one). */
  channelErrors: string[] = [];
  private readonly watched = new WeakSet<object>();

  watch(channel: { on(event: string, fn: (err: unknown) => void): unknown }): void {
    if (this.watched.has(channel)) return;
    this.watched.add(channel);
    channel.on('error', (err) => this.channelErrors.push(String((err as Error)?.message ?? err)));
  }
}

/** The pattern (as Nest names the MQTT topic) of the record event. */
export function recordEventTopic(ns: string): string {
  return JSON.stringify({ cmd: 'record_ev', ns });
}

/** MQTT handlers with a QoS 1 subscription: a request that answers what it saw, an event that keeps it. */
export function mqttRecordHandlers(ns: string, sink: CaseSink) {
  @Controller()
  class MqttRecordHandlers {
    @MessagePattern({ cmd: 'record', ns }, { qos: 1 })
    record(@Payload() data: unknown, @Ctx() ctx: MqttContext): PacketSeen {
      return packetSeen(data, ctx);
    }

    @EventPattern({ cmd: 'record_ev', ns }, { qos: 1 })
    recordEvent(@Payload() data: unknown, @Ctx() ctx: MqttContext): void {
      sink.events.push(packetSeen(data, ctx));
    }
  }
  return MqttRecordHandlers;
}

function settleOwn(cmd: AckRun['cmd'], data: { n: number; client?: string }, ctx: RmqContext, sink: CaseSink): void {
  const channel = ctx.getChannelRef() as { ack(message: unknown): void; on(event: string, fn: (err: unknown) => void): unknown };
  const message = ctx.getMessage() as { fields: { redelivered: boolean } };
  sink.watch(channel);
  sink.runs.push({ cmd, n: data.n, client: data.client, redelivered: message.fields.redelivered });
  channel.ack(message);
}

/** RabbitMQ handlers that acknowledge their own delivery, as Nest documents it (the server needs `noAck: false`). */
export function rmqManualAckHandlers(ns: string, sink: CaseSink) {
  @Controller()
  class RmqManualAckHandlers {
    @MessagePattern({ cmd: 'ack', ns })
    ack(@Payload() data: { n: number; client?: string }, @Ctx() ctx: RmqContext): { n: number } {
      settleOwn('ack', data, ctx, sink);
      return { n: data.n };
    }

    @EventPattern({ cmd: 'ack_ev', ns })
    ackEvent(@Payload() data: { n: number; client?: string }, @Ctx() ctx: RmqContext): void {
      settleOwn('ack_ev', data, ctx, sink);
    }
  }
  return RmqManualAckHandlers;
}

/** A retained message as a new subscriber receives it. */
export interface RetainedCopy {
  retain: boolean;
  qos: number;
  body: { data?: unknown };
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
}

/**
 * Subscribes to `topic` with a fresh MQTT 5 connection and returns the
 * retained message the broker holds, then clears it (an empty retained
 * message), so that nothing is left on the broker.
 */
export async function takeRetained(topic: string): Promise<RetainedCopy> {
  const client = connect('mqtt://127.0.0.1:1883', { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    let copy: RetainedCopy | undefined;
    client.on('message', (_topic, payload, packet) => {
      if (!packet.retain || payload.length === 0) return;
      copy = {
        retain: packet.retain,
        qos: packet.qos,
        body: JSON.parse(payload.toString()) as { data?: unknown },
        userProperties: packet.properties?.userProperties as Record<string, string | string[]> | undefined,
        contentType: packet.properties?.contentType,
      };
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await waitFor(() => copy !== undefined, 5000, `the retained message on ${topic}`);
    return copy!;
  } finally {
    await client.publishAsync(topic, '', { qos: 1, retain: true }).catch(() => undefined);
    await client.endAsync();
  }
}

/** Clears the retained message of `topic` (after a failed test, for one). */
export async function clearRetained(topic: string): Promise<void> {
  const client = connect('mqtt://127.0.0.1:1883', { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.publishAsync(topic, '', { qos: 1, retain: true });
  } finally {
    await client.endAsync();
  }
}

/**
 * `nestjs-messaging/testing`: a test kit for applications built with
 * nestjs-messaging, for any test runner (jest, vitest, node:test). The
 * main entry never loads it.
 *
 * - {@link MessagingTestHarness}: an in-memory transport (a server strategy and
 *   a ClientProxy, no socket, no broker) with the library's whole behaviour;
 *   overrides of an application's named clients; a recorder; fault injection.
 * - {@link TestClock}: a fake clock for budgets, backoff, breakers and deadlines.
 */
export { MessagingTestHarness, type InMemoryMicroservice } from './messaging-test-harness';
export { MessagingServerInMemory, InMemoryContext, type InMemoryServerInfo } from './in-memory-server';
export { ClientInMemory, type ClientInMemoryOptions } from './in-memory-client';
export { ClientOverride, type EventStub, type PatternStubOptions, type RequestStub, type StubResult } from './client-override';
export { Fault, FaultBuilder, type FailOptions, type FaultScope } from './faults';
export {
  MessageRecorder,
  type MessageOutcome,
  type RecordedMessage,
  type RecordKind,
  type WaitForOptions,
} from './recorder';
export type { MessageTarget } from './message-target';
export { TestClock, type TestClockOptions } from './test-clock';

"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessagingClient = void 0;
const rxjs_1 = require("rxjs");
const contract_codec_1 = require("../contract/contract-codec");
const message_contract_1 = require("../contract/message-contract");
const message_context_1 = require("../metadata/message-context");
const message_metadata_1 = require("../metadata/message-metadata");
const carriers_1 = require("../transports/carriers");
const call_policy_1 = require("./call-policy");
const call_execution_1 = require("./call-execution");
const client_resilience_1 = require("../resilience/client-resilience");
/**
 * A named client over a Nest `ClientProxy`: every call carries message
 * metadata (ids, correlation, causation, application keys), ends within its
 * time budget, and is retried by its policy.
 *
 * Inject it with `@InjectMessagingClient(name)`.
 *
 * @example
 * const user = await this.users.request<User>({ cmd: 'get_user' }, { id: 42 });
 */
class MessagingClient {
    proxy;
    config;
    pending = new Set();
    closed = false;
    /** What each call's execution reads from its client. */
    host;
    constructor(
    /** The Nest client underneath. Calls made on it directly carry no metadata. */
    proxy, config) {
        this.proxy = proxy;
        this.config = config;
        const transport = config.carrier?.transport ?? (0, carriers_1.transportOfProxy)(proxy);
        this.host = {
            name: config.name,
            proxy,
            carrier: config.carrier ?? (0, carriers_1.carrierFor)(transport),
            system: (0, carriers_1.systemName)(transport),
            instruments: config.instrumentation?.some((i) => i.startCall) ? config.instrumentation : undefined,
            pending: this.pending,
            resilience: config.resilience,
            isClosed: () => this.closed,
        };
    }
    /**
     * Wraps a ClientProxy made elsewhere (e.g. by ClientsModule). For metadata to
     * reach the wire, that proxy must use {@link MessagingClientSerializer};
     * without it, calls still work and peers get the bare payload.
     * `close()` then fails pending calls but leaves the proxy to its owner.
     */
    static wrap(proxy, name, policy, options = {}) {
        return new MessagingClient(proxy, {
            name,
            policy: (0, call_policy_1.mergePolicy)(call_policy_1.DEFAULT_CALL_POLICY, policy),
            ownsProxy: false,
            instrumentation: options.instrumentation,
            resilience: options.resilience ? new client_resilience_1.ClientResilience(options.resilience) : undefined,
        });
    }
    /** Name of this client. */
    get name() {
        return this.config.name;
    }
    /**
     * The client's circuit breaker, bulkhead and retry budget (`snapshot()` tells
     * their state); `undefined` when its definition has no `resilience` options.
     */
    get resilience() {
        return this.config.resilience;
    }
    send(target, data, options) {
        const call = this.prepare(target, data, options, false);
        const source = new rxjs_1.Observable((subscriber) => this.run(call, subscriber));
        if (!call.contract)
            return source;
        return this.withContractChecks(call, source);
    }
    request(target, data, options) {
        return (0, rxjs_1.lastValueFrom)(this.send(target, data, options), { defaultValue: undefined });
    }
    emit(target, data, options) {
        const call = this.prepare(target, data, options, true);
        const result = new rxjs_1.AsyncSubject();
        if (call.contract && call.policy.validatePayloads) {
            this.withContractChecks(call, new rxjs_1.Observable((s) => this.run(call, s))).subscribe(result);
        }
        else {
            this.run(call, result);
        }
        return result.asObservable();
    }
    /**
     * Fails every pending call with MessagingClientClosedError, refuses new ones,
     * and closes the ClientProxy if the library built it. Called on application
     * shutdown for the module's clients.
     */
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        for (const execution of [...this.pending])
            execution.cancel();
        if (this.config.ownsProxy)
            await this.proxy.close();
    }
    /** Connects the ClientProxy now instead of on the first call. */
    async connect() {
        await this.proxy.connect();
    }
    /** Validates the payload before sending and the replies after, as the policy says. */
    withContractChecks(call, source) {
        const contract = call.contract;
        const version = call.payloadVersion ?? contract.current;
        const fields = { pattern: call.pattern, client: this.config.name, correlationId: call.correlationId };
        const response = contract.kind === 'message' ? contract.response : undefined;
        // Replies may carry fields a newer server added: strip them rather than fail.
        const replies = call.policy.validateResponses && response
            ? source.pipe((0, rxjs_1.concatMap)((reply) => (0, rxjs_1.from)((0, contract_codec_1.toDto)(response, reply, version, { unknownProperties: 'strip' }, fields))))
            : source;
        if (!call.policy.validatePayloads)
            return replies;
        const cls = contract.versions[version];
        return (0, rxjs_1.defer)(() => (0, rxjs_1.from)((0, contract_codec_1.toDto)(cls, call.data, version, {}, fields))).pipe((0, rxjs_1.concatMap)(() => replies));
    }
    prepare(target, data, options, event) {
        const contract = (0, message_contract_1.isContract)(target) ? target : undefined;
        const pattern = contract ? contract.pattern : target;
        const payloadVersion = contract
            ? (options?.version ?? contract.current)
            : options?.payloadVersion;
        const ctx = (0, message_context_1.getMessageContext)();
        let app = ctx?.app ?? EMPTY;
        if (options?.metadata) {
            (0, message_metadata_1.assertValidAppMetadata)(options.metadata);
            app = { ...app, ...options.metadata };
        }
        return {
            pattern,
            data,
            policy: options ? (0, call_policy_1.mergePolicy)(this.config.policy, options) : this.config.policy,
            correlationId: ctx?.correlationId ?? (0, message_metadata_1.newId)(),
            causationId: ctx?.message?.messageId,
            app,
            payloadVersion,
            event,
            contract,
            deadline: event ? undefined : ctx?.deadline,
        };
    }
    /** Runs one message: attempts, retries, budget (see CallExecution). Returns the teardown. */
    run(call, out) {
        return new call_execution_1.CallExecution(this.host, call, out).start();
    }
}
exports.MessagingClient = MessagingClient;
const EMPTY = Object.freeze({});

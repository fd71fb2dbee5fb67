"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.startCall = startCall;
exports.startHandler = startHandler;
function guard(fn) {
    try {
        fn();
    }
    catch {
        // an instrumentation must never break a call or a handler
    }
}
/** Starts every instrumentation's observer for a call and combines them. @internal */
function startCall(instruments, info) {
    const observers = [];
    for (const i of instruments) {
        guard(() => {
            const o = i.startCall?.(info);
            if (o)
                observers.push(o);
        });
    }
    if (observers.length === 0)
        return undefined;
    if (observers.length === 1)
        return safeCall(observers[0]);
    const headers = Object.assign({}, ...observers.map((o) => o.headers ?? {}));
    return {
        headers,
        attempt: (n, left) => observers.forEach((o) => guard(() => o.attempt?.(n, left))),
        retry: (n, d, e) => observers.forEach((o) => guard(() => o.retry?.(n, d, e))),
        end: (e) => observers.forEach((o) => guard(() => o.end(e))),
    };
}
function safeCall(o) {
    return {
        headers: o.headers,
        attempt: (n, left) => guard(() => o.attempt?.(n, left)),
        retry: (n, d, e) => guard(() => o.retry?.(n, d, e)),
        end: (e) => guard(() => o.end(e)),
    };
}
/** Starts every instrumentation's handler observer and combines them (outermost first). @internal */
function startHandler(instruments, info) {
    const observers = [];
    for (const i of instruments) {
        guard(() => {
            const o = i.startHandler?.(info);
            if (o)
                observers.push(o);
        });
    }
    if (observers.length === 0)
        return undefined;
    return {
        run: (fn) => observers.reduceRight((inner, o) => () => o.run(inner), fn)(),
        end: (e) => observers.forEach((o) => guard(() => o.end(e))),
    };
}

/*
 * Counts the socket writes of a process and the bytes they carry (not part of npm run bench): preload it into
 * bench/profile-client.ts and divide by the calls it prints, e.g. to compare a traced client with an untraced one.
 *
 *   PROFILE_CONCURRENCY=16 PROFILE_MS=3000 node -r ./bench/count-writes.cjs -r ./scripts/register.cjs \
 *     bench/profile-client.ts messaging|messaging-otel
 */
'use strict';
const { Socket } = require('node:net');

let writes = 0;
let bytes = 0;
const write = Socket.prototype.write;
Socket.prototype.write = function countedWrite(data, ...rest) {
  writes++;
  bytes += data.length;
  return write.call(this, data, ...rest);
};
process.on('exit', () => console.log(`socket writes: ${writes}, characters or bytes written: ${bytes}`));

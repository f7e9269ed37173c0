/**
 * The stream adapter's keepalive commands are RFC 37's PING/PONG, coded in
 * `src/codec/heartbeat.ts` with the one policy every adapter follows. This name stays one
 * release for code that imported it from here.
 *
 * @module
 */
export {
  /** @deprecated use `answerPing` from `src/codec/heartbeat` */
  answerPing as answerCommand,
} from '../../codec/heartbeat';

/** Traces of simulated runs: the format, the recorder, and the observers that feed it from the lab world. */
export { NetworkTracer } from './network-tracer.js';
export { RaftTracer } from './raft-tracer.js';
export { rpcFields, rpcType } from './rpc-fields.js';
export { TracedPersister } from './traced-persister.js';
export {
  TRACE_FORMAT,
  TRACE_VERSION,
  type DropReason,
  type RpcFields,
  type TraceEvent,
  type TraceEventBody,
  type TraceHeader,
  type TraceKind,
  type TraceRole,
} from './trace-event.js';
export { TraceRecorder, type TracedWorld } from './trace-recorder.js';

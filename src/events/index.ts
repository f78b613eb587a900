// corebpf/events: ring buffer and perf buffer consumers on Node's event loop,
// and record decoders built from BTF.
export { EventConsumer, copyBytes, type ConsumerOptions, type Decoder, type EventHandler, type RawHandler } from "./consumer.js";
export { RingBuffer, type RingBufferOptions, type RingInfo } from "./ring-buffer.js";
export { watchFd, watchBackend, useWatchBackend, uvBackendUnavailableReason, type FdWatch, type WatchBackend, type ReadableCallback, type WatchErrorCallback } from "./watch.js";
export { PerfBuffer, LostSamples, type PerfBufferOptions } from "./perf-buffer.js";
export { openBpfOutputEvent, type BpfOutputOptions } from "./perf-event.js";
export { btfDecoder, findRecordType, type BtfDecoderOptions } from "./decode.js";
export {
  ObjectRun,
  type ObjectRunOptions,
  type ProgramOutcome,
  type EventStream,
  type RunEvent,
  type RunLost,
  type RunRecord,
  type RunTimings,
} from "./run-object.js";
export { loadSupported, type SkippedPart } from "./load-supported.js";
export { RecordTypes, chooseRecordType, namedRecordType, preferredRecordNames, kernelTypeIds, type RecordFit, type RecordTypeChoice, type RecordTypeExclusions } from "./run-records.js";

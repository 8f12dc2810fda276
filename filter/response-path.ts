// The response path, only for streams the request path remembered (report.responses): read the
// status and the time, count the response for the table, service and upstream its request went
// to. Two host calls, no allocation, no log call, no shared-data read.
import { HostBytes, getResponseHeader, nowNanos, valueLen, valuePtr } from "./host";
import { parseStatus } from "./delivery/response";
import { streamOffset, streamStartedNs, streamVersion } from "./report/streams";
import { RootContext } from "./root-context";

const STATUS_HEADER = new HostBytes(":status");

/** Counts the response of a stream whose record takeStream() just read out. */
export function countResponse(root: RootContext): void {
  const aggregate = root.aggregate;
  if (aggregate === null) return;
  // Null when its table has since given way to two newer ones: the response goes uncounted.
  const counts = aggregate.find(streamVersion);
  if (counts === null) return;
  const status = getResponseHeader(STATUS_HEADER) ? parseStatus(valuePtr, valueLen) : 0;
  const now = nowNanos();
  const latencyNs = now > streamStartedNs ? now - streamStartedNs : 0;
  counts.countResponse(streamOffset, status, latencyNs);
}

// The plain shapes telemetry records take before the SDK sees them: what the
// pure record builders (agent and firewall) produce. Pure.

export type Attributes = Record<string, string | number | boolean>;

/** A log record to send: its event name and attributes (already redacted). */
export interface LogOut {
  name: string;
  attributes: Attributes;
}

/** A metric point: counter (adds), histogram (records) or gauge (sets the current value). */
export interface MetricOut {
  instrument: string;
  kind: "counter" | "histogram" | "gauge";
  value: number;
  attributes: Attributes;
}

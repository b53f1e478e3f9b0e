// Package tracing exports each order's path through the desk as an
// OpenTelemetry trace over OTLP/HTTP, for Jaeger, Tempo or any OTLP
// collector.
//
// # What is traced
//
// One trace per sampled order, emitted once, when the order has reached
// its first fill or ended (filled, canceled, rejected, expired). The trace
// holds a root span "order <id>", from the book's arrival
// (Stamps.Received) to the last stage the order reached, with the order's
// id, strategy, venue, instrument, side, type and final state as
// attributes; and under it one span per stage, in order:
//
//	feed           Received   -> Decoded     book arrived, decoded
//	strategy       Decoded    -> Decided     the strategy decided
//	risk           Decided    -> RiskPassed  pre-trade risk passed
//	route          RiskPassed -> Routed      a venue was chosen
//	send           Routed     -> Sent        handed to the venue connection
//	venue-ack      Sent       -> Acked       the venue acknowledged
//	to-first-fill  Acked      -> Filled      the first fill arrived
//
// A stage is left out when either of its stamps is zero (not reached, or
// not stamped, as for an order a timer placed). Span times are the
// stamps themselves, turned into wall time by domain.MonoTime, so the
// spans measure exactly what the engine's latency histograms measure.
//
// # Off the engine goroutine
//
// Nothing here runs on, or waits for, the engine goroutine. Tracer.Run
// polls the engine's conflated order stream (engine.Engine.OrdersSince),
// which reads the view the engine publishes to, builds spans on the
// caller's goroutine, and hands them to a batch span processor that
// exports on its own goroutine. A slow or dead collector costs dropped
// spans (the processor's queue is bounded and never blocks), never engine
// latency. The stamps are taken by the engine whether or not tracing is
// on, so tracing adds nothing to the order path.
//
// # Sampling and trace ids
//
// The trace id is a fixed function of the order id (TraceID), and the
// sampler is OpenTelemetry's TraceIDRatioBased on that id, so an order is
// sampled or not the same way on every poll, in every process and after
// a restart, and any process that traces the same order (a gateway, a
// second desk process) joins the same trace without propagating context.
// The flip side: two desks whose order ids collide (the same epoch,
// strategy and sequence) and export to the same backend share a trace.
//
// # Limits
//
// The order stream is conflated: the tracer sees each order at its latest
// state, not every state it passed through. No stage is lost for it, since
// every stage boundary's stamp is kept on the order record, but times that
// are not stamped, such as when a cancel was requested, are not in the
// trace. An order is traced once, when first seen complete; a partially
// filled order is traced at its first fill, with the state it had then.
// Orders created before this process started are skipped: their stamps,
// restored from the journal, are another process's monotonic clock. The
// tracer sees only what the engine's view keeps: an order the view forgets
// (past the engine's KeepOrders finished orders) before a poll sees it
// complete is not traced, and is counted in Stats.Missed; at extreme rates
// one the engine forgets before its view even gets it is not in the stream
// at all. Poll often enough (Interval) that the view's finished orders
// outlast it. The batch processor's queue is bounded: at high rates with a
// high SampleRatio spans are dropped rather than queued without bound. The
// set of traced ids is bounded (Options.Remember); an order that stays in
// the stream beyond it (one traced at a first fill that rests for very
// long) may be traced a second time, with the same trace id.
package tracing

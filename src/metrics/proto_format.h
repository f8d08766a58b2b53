// A minimal protobuf wire-format writer for the Prometheus exposition messages
// (io.prometheus.client.MetricFamily, delimited): varints, zigzag varints, 64-bit
// doubles and length-delimited fields, appended to a string. hermes writes a few
// fixed message shapes, so a hand-written writer replaces libprotobuf and its
// generated code (see README, dependencies).
//
// Nested messages are written in place: BeginMessage() reserves one length byte,
// EndMessage() fills it in and widens it when the message turned out longer than
// 127 bytes.
//
// Stateless free functions; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hermes::metrics::proto {

void AppendVarint(std::string& out, uint64_t v);
// Field writers; `field` is the field number from the message definition.
void AppendUint64(std::string& out, int field, uint64_t v);
void AppendSint64(std::string& out, int field, int64_t v);  // sint32/sint64 (zigzag)
void AppendDouble(std::string& out, int field, double v);
void AppendBytes(std::string& out, int field, std::string_view v);  // string, bytes

// Starts a length-delimited submessage in `field`; returns the mark for EndMessage.
size_t BeginMessage(std::string& out, int field);
void EndMessage(std::string& out, size_t mark);

// Packed repeated fields: the raw varints of the elements, written into a buffer of
// their own and appended with AppendBytes as one length-delimited field.
void AppendRawZigzag(std::string& out, int64_t v);

}  // namespace hermes::metrics::proto

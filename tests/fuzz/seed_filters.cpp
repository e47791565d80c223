// filter_fuzz seeds: one byte choosing the subject (0: the test proto; else an EventType value),
// then a filter's text. Valid filters over every operator, literal kind, enum names, `source`,
// nested paths and nested any(); and the refusals of the lexer, parser and type checker.

#include <cstdint>
#include <string>

#include "seed_corpora.h"

namespace plexus::fuzz::seeds {
namespace {

constexpr std::uint8_t kTestProto = 0;

void write(Writer& out, const std::string& name, std::uint8_t subject, const std::string& text) {
  out.write("filter_fuzz", name, std::string(1, static_cast<char>(subject)) + text);
}

}  // namespace

void filters(Writer& out) {
  const auto tx = static_cast<std::uint8_t>(v1::EVENT_TYPE_NEW_TRANSACTION);
  write(out, "tx_three_clauses", tx, "fee >= 1000 and size < 100000 and txid prefix \"ab\"");
  write(out, "tx_or_not_source", tx,
        "not (fee in [1, 999] or size > 5000) or source in {\"chainsim\", \"operator\"}");
  write(out, "peer_banned_strings", static_cast<std::uint8_t>(v1::EVENT_TYPE_PEER_BANNED),
        "reason contains \"spam\" and peer_id suffix \"-7\" and until_unix_s != -1");
  write(out, "maintenance_enums", static_cast<std::uint8_t>(v1::EVENT_TYPE_DATA_MAINTENANCE),
        "urgency in {HIGH, URGENCY_MEDIUM} and operation == MAINTENANCE_OPERATION_FLUSH");
  write(out, "voted_bool", static_cast<std::uint8_t>(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_VOTED),
        "approve in {true} and voter != \"\"");
  write(out, "message_bytes", static_cast<std::uint8_t>(v1::EVENT_TYPE_MESSAGE_RECEIVED),
        "payload prefix \"\\n\\t\\\"\\\\\" or command == \"inv\"");
  write(out, "kinds_numbers", kTestProto,
        "i32 < -5 or s64 >= -9223372036854775808 or u64 == 18446744073709551615 or "
        "dbl in [-1.5e3, 2.25] or flt != 0.1 or f32 in {1, 2, 3} or sf64 <= 0");
  write(out, "kinds_nested_any", kTestProto,
        "any(outputs, it.value > 1000 and any(it.leaves, any(it.tags, it prefix \"a\") or "
        "it.n == 3)) and output.leaf.s contains \"b\"");
  write(out, "kinds_scalar_any", kTestProto,
        "any(r_color, it == DARK_BLUE) and any(r_flag, it == true) and any(r_dbl, it < 0) and "
        "not any(r_raw, it suffix \"x\") and any(labels, it.key == \"k\")");
  write(out, "kinds_root_paths", kTestProto, "source == \"\" and color != COLOR_RED");
  write(out, "kinds_deep_parens", kTestProto,
        std::string(60, '(') + "flag == false" + std::string(60, ')'));
  // Refusals.
  write(out, "bad_unknown_field", tx, "fe >= 1000");
  write(out, "bad_types", kTestProto, "str == 5 or u32 > -1 or i32 == 1.5 or flag < true");
  write(out, "bad_range", kTestProto, "u64 in [5, 1]");
  write(out, "bad_repeated", kTestProto, "outputs.value == 1 or r_str == \"x\"");
  write(out, "bad_syntax", tx, "(fee >= 1000 and \"unterminated");
  write(out, "bad_garbage", tx, "fee == 1 fee ) ] = ! # -");
  write(out, "bad_empty", tx, "");
  write(out, "bad_too_deep", kTestProto,
        std::string(65, '(') + "flag == false" + std::string(65, ')'));
}

}  // namespace plexus::fuzz::seeds

#pragma once

// plexus-test-probe's report lines: what it writes about an event and about a publish answer
// (tests read them back through probe_runs.h).

#include <plexus/v1/events.pb.h>
#include <plexus/v1/wire.pb.h>

#include <string>

// The payload detail of a report line ("-" for payloads the tests do not look into).
std::string detailOf(const plexus::v1::Event& e);
// The answer an error carries when a block-policy subscriber did not take the event.
std::string answerLine(const plexus::v1::PublishResponse& answer);

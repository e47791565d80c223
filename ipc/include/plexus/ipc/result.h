#pragma once

// Errors as values for the message path: Result<T> holds a T or an Error whose code is the
// wire ErrorCode, so an error can travel to a peer unchanged. Exceptions stay at start-up.

#include <plexus/v1/wire.pb.h>

#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace plexus {

struct Error {
  v1::ErrorCode code = v1::ERROR_CODE_INTERNAL;
  std::string message;
  // A publish that some block-policy subscriber did not take: its full answer (the counts per
  // outcome and who did not take it, with why). Null for every other error.
  std::shared_ptr<const v1::PublishResponse> publish;
};

inline Error makeError(v1::ErrorCode code, std::string message) {
  return Error{code, std::move(message), nullptr};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(m_state);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(m_state);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(m_state));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(m_state);
  }

 private:
  std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT: implicit by design

  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const Error& error() const {
    assert(!m_ok);
    return m_error;
  }

 private:
  Error m_error;
  bool m_ok = true;
};

using Status = Result<void>;

}  // namespace plexus

#pragma once
// The one error type of every user-input parser in engine/.
#include <stdexcept>
#include <string>

namespace synscan {

/// A user-supplied token that cannot be used. `kind` names what was expected ("port", "target"), `token` is
/// the offending text exactly as given, `hint` says what would be valid. what() reads "bad port '70000'
/// (ports are 0-65535)"; the CLI adds the option name: "bad port '70000' in --ports (ports are 0-65535)".
class ParseError : public std::invalid_argument {
 public:
  ParseError(std::string kind, std::string token, std::string hint)
      : std::invalid_argument("bad " + kind + " '" + token + "' (" + hint + ")"),
        kind_(std::move(kind)),
        token_(std::move(token)),
        hint_(std::move(hint)) {}

  const std::string& kind() const noexcept { return kind_; }
  const std::string& token() const noexcept { return token_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string kind_;
  std::string token_;
  std::string hint_;
};

}  // namespace synscan

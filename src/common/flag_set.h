// FlagSet: strict command-line parsing shared by hermes-exporter and hermes-target.
//
// Flags are registered with a setter that validates the value and returns a
// Status naming the flag. "--name=value" and "--name value" are accepted; boolean
// flags take no value ("--name") or "--name=true|false"; "-h" means "--help" when a
// "help" flag is registered. Unknown flags, missing values and stray arguments are
// errors. Not thread-safe; used once at startup.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace hermes {

class FlagSet {
 public:
  using Setter = std::function<Status(const std::string& value)>;

  void Add(const std::string& name, std::string help, Setter set);
  void AddBool(const std::string& name, std::string help, bool* target);
  void AddString(const std::string& name, std::string help, std::string* target);
  void AddRepeated(const std::string& name, std::string help, std::vector<std::string>* target);
  void AddInt(const std::string& name, std::string help, int min, int max, int* target);
  // A duration parsed by `parse` (config::ParseDuration: "5s", "1m30s"); must be > 0.
  using DurationParser = Result<Duration> (*)(std::string_view);
  void AddDuration(const std::string& name, std::string help, DurationParser parse,
                   std::chrono::milliseconds* target);

  Status Parse(const std::vector<std::string>& args);
  std::string Usage(const std::string& program) const;

  // For a program's flags struct T whose flags `define` registers (pointing the
  // setters into the T it is given): a default T with `args` applied, and the help.
  template <typename T>
  static Result<T> ParseInto(FlagSet (*define)(T&), const std::vector<std::string>& args) {
    T flags;
    if (Status st = define(flags).Parse(args); !st.ok()) return st;
    return flags;
  }
  template <typename T>
  static std::string UsageOf(FlagSet (*define)(T&), const std::string& program) {
    T unused;
    return define(unused).Usage(program);
  }

 private:
  struct Spec {
    bool boolean;
    std::string help;
    Setter set;
  };
  std::map<std::string, Spec> specs_;
};

}  // namespace hermes

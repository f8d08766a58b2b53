#include "common/flag_set.h"

#include <optional>

#include "common/parse_number.h"

namespace hermes {

void FlagSet::Add(const std::string& name, std::string help, Setter set) {
  specs_[name] = Spec{false, std::move(help), std::move(set)};
}

void FlagSet::AddBool(const std::string& name, std::string help, bool* target) {
  specs_[name] =
      Spec{true, std::move(help), [name, target](const std::string& v) {
             if (v == "true" || v == "1") {
               *target = true;
             } else if (v == "false" || v == "0") {
               *target = false;
             } else {
               return Status::Invalid("--" + name + ": must be true or false, got \"" + v + "\"");
             }
             return Status::Ok();
           }};
}

void FlagSet::AddString(const std::string& name, std::string help, std::string* target) {
  Add(name, std::move(help), [target](const std::string& v) {
    *target = v;
    return Status::Ok();
  });
}

void FlagSet::AddRepeated(const std::string& name, std::string help,
                          std::vector<std::string>* target) {
  Add(name, std::move(help), [target](const std::string& v) {
    target->push_back(v);
    return Status::Ok();
  });
}

void FlagSet::AddInt(const std::string& name, std::string help, int min, int max, int* target) {
  Add(name, std::move(help), [=](const std::string& v) {
    const std::optional<int> n = ParseNumber<int>(v);
    if (!n || *n < min || *n > max) {
      return Status::Invalid("--" + name + ": must be an integer between " + std::to_string(min) +
                             " and " + std::to_string(max) + ", got \"" + v + "\"");
    }
    *target = *n;
    return Status::Ok();
  });
}

void FlagSet::AddDuration(const std::string& name, std::string help, DurationParser parse,
                          std::chrono::milliseconds* target) {
  Add(name, std::move(help), [name, parse, target](const std::string& v) {
    auto d = parse(v);
    if (!d.ok() || d.value() <= Duration::zero()) {
      return Status::Invalid("--" + name +
                             ": must be a positive duration like 5s or 250ms, got \"" + v + "\"");
    }
    *target = std::chrono::duration_cast<std::chrono::milliseconds>(d.value());
    return Status::Ok();
  });
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    // -h is the one short flag, as in the Prometheus tools: --help.
    const std::string arg = args[i] == "-h" && specs_.contains("help") ? "--help" : args[i];
    if (arg.rfind("--", 0) != 0) {
      return Status::Invalid("unexpected argument \"" + arg + "\"; flags start with --");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = specs_.find(name);
    if (it == specs_.end()) return Status::Invalid("unknown flag --" + name + " (see --help)");
    if (!value) {
      if (it->second.boolean) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::Invalid("--" + name + ": missing value");
      }
    }
    HERMES_RETURN_IF_ERROR(it->second.set(*value));
  }
  return Status::Ok();
}

std::string FlagSet::Usage(const std::string& program) const {
  std::string out = "usage: " + program + " [flags]\n\nFlags:\n";
  for (const auto& [name, spec] : specs_) {
    out += std::string(name == "help" ? "  -h, --" : "  --") + name +
           (spec.boolean ? "" : "=VALUE") + "\n      " + spec.help + "\n";
  }
  return out;
}

}  // namespace hermes

#pragma once

// The PyTorch reference values of tests/data/oracles: modules.json (a copy of
// shared/oracles) and functions.json; see the README there for the layout.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tinynn/tensor.hpp>

namespace tinynn::test {

struct OracleCase {
    std::string name;
    std::string op;
    nlohmann::json params;
    std::map<std::string, Tensor> inputs;  // int64 and bool values become float tensors
    std::map<std::string, Tensor> outputs;
    std::map<std::string, Tensor> grads;
};

// `file` names a file in tests/data/oracles.
const std::vector<OracleCase>& oracle_cases(const std::string& file = "modules.json");
const OracleCase& oracle_case(const std::string& name,
                              const std::string& file = "modules.json");  // throws if absent

}  // namespace tinynn::test

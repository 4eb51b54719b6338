#pragma once

// The PyTorch reference values of tests/data/oracles/modules.json (a copy of
// shared/oracles; see its README for the layout).

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
    std::map<std::string, Tensor> inputs;   // int64 targets become float tensors
    std::map<std::string, Tensor> outputs;
    std::map<std::string, Tensor> grads;
};

const std::vector<OracleCase>& oracle_cases();
const OracleCase& oracle_case(const std::string& name);  // throws if absent

}  // namespace tinynn::test

#include "support/oracle.hpp"

#include <fstream>
#include <stdexcept>

namespace tinynn::test {

namespace {
Tensor to_tensor(const nlohmann::json& j) {
    Shape shape = j.at("shape").get<Shape>();
    std::vector<float> data;
    for (const auto& v : j.at("data")) data.push_back(static_cast<float>(v.get<double>()));
    return Tensor(std::move(data), std::move(shape));
}

std::map<std::string, Tensor> to_tensors(const nlohmann::json& j) {
    std::map<std::string, Tensor> out;
    for (const auto& [key, value] : j.items()) out.emplace(key, to_tensor(value));
    return out;
}

std::vector<OracleCase> load() {
    const std::string path = std::string(TINYNN_TEST_DATA_DIR) + "/oracles/modules.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    const nlohmann::json all = nlohmann::json::parse(in);
    std::vector<OracleCase> cases;
    for (const auto& c : all)
        cases.push_back({c.at("name"), c.at("op"), c.at("params"), to_tensors(c.at("inputs")),
                         to_tensors(c.at("outputs")), to_tensors(c.at("grads"))});
    return cases;
}
}  // namespace

const std::vector<OracleCase>& oracle_cases() {
    static const std::vector<OracleCase> cases = load();
    return cases;
}

const OracleCase& oracle_case(const std::string& name) {
    for (const auto& c : oracle_cases())
        if (c.name == name) return c;
    throw std::runtime_error("no oracle case named " + name);
}

}  // namespace tinynn::test

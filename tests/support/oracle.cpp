#include "support/oracle.hpp"

#include <fstream>
#include <limits>
#include <stdexcept>

namespace tinynn::test {

namespace {
// JSON has no NaN or infinity: the generators write those as strings.
float to_float(const nlohmann::json& v) {
    if (!v.is_string())
        return static_cast<float>(v.get<double>());
    const std::string s = v.get<std::string>();
    if (s == "nan")
        return std::numeric_limits<float>::quiet_NaN();
    if (s == "inf")
        return std::numeric_limits<float>::infinity();
    if (s == "-inf")
        return -std::numeric_limits<float>::infinity();
    throw std::runtime_error("oracle: \"" + s + "\" is not a number");
}

Tensor to_tensor(const nlohmann::json& j) {
    Shape shape = j.at("shape").get<Shape>();
    std::vector<float> data;
    for (const auto& v : j.at("data"))
        data.push_back(to_float(v));
    return Tensor(std::move(data), std::move(shape));
}

std::map<std::string, Tensor> to_tensors(const nlohmann::json& j) {
    std::map<std::string, Tensor> out;
    for (const auto& [key, value] : j.items())
        out.emplace(key, to_tensor(value));
    return out;
}

std::vector<OracleCase> load(const std::string& file) {
    const std::string path = std::string(TINYNN_TEST_DATA_DIR) + "/oracles/" + file;
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    const nlohmann::json all = nlohmann::json::parse(in);
    std::vector<OracleCase> cases;
    for (const auto& c : all)
        cases.push_back({c.at("name"), c.at("op"), c.at("params"), to_tensors(c.at("inputs")),
                         to_tensors(c.at("outputs")), to_tensors(c.at("grads"))});
    return cases;
}
}  // namespace

const std::vector<OracleCase>& oracle_cases(const std::string& file) {
    static std::map<std::string, std::vector<OracleCase>> loaded;
    auto it = loaded.find(file);
    if (it == loaded.end())
        it = loaded.emplace(file, load(file)).first;
    return it->second;
}

const OracleCase& oracle_case(const std::string& name, const std::string& file) {
    for (const auto& c : oracle_cases(file))
        if (c.name == name)
            return c;
    throw std::runtime_error("no oracle case named " + name + " in " + file);
}

}  // namespace tinynn::test

#include "models/registry.hpp"

#include <map>
#include <mutex>

namespace tinynn::models {

namespace {
struct Registry {
    std::mutex mutex;
    std::map<std::string, ModelBuilder> builders;
};

Registry& registry() {
    static Registry r;
    return r;
}
}  // namespace

void register_model(const std::string& name, ModelBuilder builder) {
    if (name.empty() || !builder)
        throw Error("register_model: a name and a builder are needed");
    std::lock_guard lock(registry().mutex);
    registry().builders[name] = std::move(builder);
}

bool has_model(const std::string& name) {
    std::lock_guard lock(registry().mutex);
    return registry().builders.count(name) != 0;
}

std::shared_ptr<nn::Module> make_model(const std::string& name, int64_t inputs, int64_t outputs) {
    ModelBuilder builder;
    {
        std::lock_guard lock(registry().mutex);
        auto it = registry().builders.find(name);
        if (it == registry().builders.end()) {
            std::string known;
            for (const auto& entry : registry().builders)
                known += " " + entry.first;
            throw Error("no model named '" + name +
                        "' is registered (known:" + (known.empty() ? " none" : known) + ")");
        }
        builder = it->second;
    }
    return builder(inputs, outputs);
}

std::vector<std::string> model_names() {
    std::lock_guard lock(registry().mutex);
    std::vector<std::string> names;
    for (const auto& entry : registry().builders)
        names.push_back(entry.first);
    return names;
}

}  // namespace tinynn::models

#include "tinynn/experiment/preprocessing.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "tinynn/error.hpp"

namespace tinynn::experiment {
namespace {

using Json = nlohmann::json;

// The most classes a CSV label may name (data::load_csv's limit).
constexpr int64_t kMaxClasses = 1000;
constexpr size_t kQuoteChars = 60;

// A header name that is not valid UTF-8 cannot be a JSON string: its bad
// bytes become U+FFFD, so the file can be written (and the name, no longer
// matching, is reported as missing by predict).
std::string as_json_text(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Each float as the shortest text that reads back, as a double, as exactly
// that float: so json.loads in Python and any JSON reader get it exactly.
std::string number_list(const std::vector<float>& values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        char buffer[32];
        const auto [end, ec] =
            std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(values[i]));
        out += i > 0 ? "," : "";
        out.append(buffer, end);
    }
    return out + "]";
}

class MetadataReader {
  public:
    MetadataReader(const SafetensorsMetadata& metadata, const std::string& file)
        : metadata_(metadata), file_(escape_text(file, 512)) {}

    const std::string& text(const std::string& key) const {
        const auto it = metadata_.find(key);
        if (it == metadata_.end())
            throw Error(file_ + ": __metadata__ has no \"" + key +
                        "\" entry, which says how to prepare new data for the model (a run of "
                        "tinynn train writes it)");
        return it->second;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
        throw Error(file_ + ": __metadata__ \"" + key + "\" is '" +
                    escape_text(text(key), kQuoteChars) + "'; expected " + expected);
    }

    Json json(const std::string& key, const std::string& expected) const {
        try {
            return Json::parse(text(key));
        } catch (const Json::exception&) {
            fail(key, expected);
        }
    }

    std::vector<std::string> names(const std::string& key) const {
        const std::string expected = "a JSON array of column names";
        const Json list = json(key, expected);
        if (!list.is_array())
            fail(key, expected);
        std::vector<std::string> out;
        for (const Json& name : list) {
            if (!name.is_string())
                fail(key, expected);
            out.push_back(name.get<std::string>());
        }
        return out;
    }

    // `count`: how many there must be, when known.
    std::vector<float> numbers(const std::string& key, std::optional<size_t> count,
                               bool non_negative) const {
        const std::string expected = "a JSON array of " +
                                     (count ? std::to_string(*count) + " " : std::string()) +
                                     (non_negative ? "finite numbers >= 0" : "finite numbers");
        const Json list = json(key, expected);
        if (!list.is_array() || (count && list.size() != *count))
            fail(key, expected);
        std::vector<float> out;
        for (const Json& x : list) {
            if (!x.is_number())
                fail(key, expected);
            const auto value = static_cast<float>(x.get<double>());
            if (!std::isfinite(value) || (non_negative && value < 0))
                fail(key, expected);
            out.push_back(value);
        }
        return out;
    }

    int64_t integer(const std::string& key, int64_t lo, int64_t hi) const {
        const std::string& s = text(key);
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi)
            fail(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
        return value;
    }

  private:
    const SafetensorsMetadata& metadata_;
    std::string file_;
};

}  // namespace

Preprocessing preprocessing_of(const Experiment& e) {
    const data::Dataset& train = e.split.train;
    return {.features = train.feature_names,
            .target = train.target_name,
            .task = train.task,
            .classes = e.classification ? e.classes : 0,
            .standardizer = e.standardizer};
}

SafetensorsMetadata to_metadata(const Preprocessing& p) {
    SafetensorsMetadata m;
    m["format"] = "pt";
    m["features"] = as_json_text(Json(p.features));
    m["target"] = Json::parse(as_json_text(Json(p.target))).get<std::string>();
    m["task"] = p.task == data::Task::classification ? "classification" : "regression";
    m["classes"] = std::to_string(p.classes);
    m["normalize"] = p.standardizer ? "standard" : "none";
    if (p.standardizer) {
        m["mean"] = number_list(p.standardizer->mean);
        m["std"] = number_list(p.standardizer->std);
    }
    return m;
}

Preprocessing preprocessing_from_metadata(const SafetensorsMetadata& metadata,
                                          const std::string& file) {
    const MetadataReader read(metadata, file);
    Preprocessing p;
    p.features = read.names("features");
    p.target = read.text("target");
    const std::string& task = read.text("task");
    if (task != "classification" && task != "regression")
        read.fail("task", "classification or regression");
    p.task = task == "classification" ? data::Task::classification : data::Task::regression;
    p.classes = p.task == data::Task::classification ? read.integer("classes", 2, kMaxClasses)
                                                     : read.integer("classes", 0, 0);
    const std::string& normalize = read.text("normalize");
    if (normalize != "none" && normalize != "standard")
        read.fail("normalize", "none or standard");
    if (normalize == "standard") {
        data::Standardizer s;
        // Without names (a CSV file without a header) the count is the model's.
        const std::optional<size_t> count =
            p.features.empty() ? std::nullopt : std::optional(p.features.size());
        s.mean = read.numbers("mean", count, false);
        s.std = read.numbers("std", s.mean.size(), true);
        p.standardizer = std::move(s);
    }
    return p;
}

}  // namespace tinynn::experiment

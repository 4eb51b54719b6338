// The preprocessing a run stores in model.safetensors' metadata reads back
// exactly, and metadata that is missing or wrong is refused, naming the
// entry.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/experiment/preprocessing.hpp>

using Catch::Matchers::Contains;
using tinynn::SafetensorsMetadata;
using namespace tinynn::experiment;

namespace {

Preprocessing awkward() {
    Preprocessing p;
    p.features = {"a", "b \"quoted\", with comma", "c"};
    p.target = "label";
    p.classes = 3;
    // Values whose shortest decimal form as a float would not read back as
    // the same float through a double everywhere.
    p.standardizer = tinynn::data::Standardizer{
        .mean = {0.1f, -1e-30f, 3.4028235e38f},
        .std = {std::numeric_limits<float>::denorm_min(), 0.0f, 7.0f / 3.0f}};
    return p;
}

}  // namespace

TEST_CASE("Stored preprocessing reads back bit for bit", "[predict][metadata]") {
    const Preprocessing p = awkward();
    const SafetensorsMetadata m = to_metadata(p);
    CHECK(m.at("format") == "pt");
    CHECK(m.at("task") == "classification");
    const Preprocessing q = preprocessing_from_metadata(m, "m.safetensors");
    CHECK(q.features == p.features);
    CHECK(q.target == p.target);
    CHECK(q.task == p.task);
    CHECK(q.classes == 3);
    REQUIRE(q.standardizer);
    CHECK(q.standardizer->mean == p.standardizer->mean);
    CHECK(q.standardizer->std == p.standardizer->std);

    Preprocessing none = p;
    none.standardizer.reset();
    none.task = tinynn::data::Task::regression;
    none.classes = 0;
    const Preprocessing r = preprocessing_from_metadata(to_metadata(none), "m.safetensors");
    CHECK_FALSE(r.standardizer);
    CHECK(r.task == tinynn::data::Task::regression);
}

TEST_CASE("Wrong preprocessing metadata is refused, naming the entry", "[predict][metadata]") {
    const SafetensorsMetadata good = to_metadata(awkward());
    const auto refused = [&](const std::string& key, const std::string* value,
                             const std::vector<std::string>& needles) {
        SafetensorsMetadata m = good;
        if (value)
            m[key] = *value;
        else
            m.erase(key);
        try {
            preprocessing_from_metadata(m, "m.safetensors");
            FAIL("accepted " << key);
        } catch (const tinynn::Error& e) {
            INFO(e.what());
            CHECK_THAT(e.what(), Contains("m.safetensors") && Contains("\"" + key + "\""));
            for (const std::string& needle : needles)
                CHECK_THAT(e.what(), Contains(needle));
        }
    };
    refused("features", nullptr, {"no \"features\" entry"});
    const std::string not_json = "[1,", two = "[1,2]", text = "[\"a\"]", nan = "[1,2,NaN]",
                      negative = "[1,-2,3]", task = "clustering", classes = "1",
                      normalize = "minmax";
    refused("features", &not_json, {"JSON array of column names"});
    refused("features", &two, {"JSON array of column names"});
    refused("mean", &two, {"3 finite numbers"});
    refused("mean", &text, {"finite numbers"});
    refused("mean", &nan, {"finite numbers"});
    refused("std", &negative, {">= 0"});
    refused("task", &task, {"classification or regression"});
    refused("classes", &classes, {"from 2 to 1000"});
    refused("normalize", &normalize, {"none or standard"});
}

// libFuzzer target: tinynn::data::load_csv. The first byte picks the options
// (header, task, target column) so that every branch of the loader is
// reachable; the rest is the file.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <tinynn/data/dataset.hpp>
#include <tinynn/error.hpp>

#include "common.hpp"

namespace {
const char* const kTargets[] = {"", "0", "1", "2", "label", "y", "99999999999999999999999", "x"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    static const auto path = tinynn::fuzz::scratch("data.csv");
    const uint8_t options = data[0];
    tinynn::fuzz::write(path, {reinterpret_cast<const char*>(data + 1), size - 1});
    using tinynn::data::Task;
    const tinynn::data::CsvOptions csv{
        .path = path,
        .header = (options & 1) != 0,
        .target = kTargets[(options >> 1) & 7],
        .task = (options & 16) != 0 ? Task::regression : Task::classification};
    try {
        const tinynn::data::Dataset d = tinynn::data::load_csv(csv);
        // What the loader promises about an accepted file.
        if (d.size() < 1 || d.num_features() < 1)
            tinynn::fuzz::violated("accepted an empty dataset", "");
        for (const float v : d.features.to_vector())
            if (!std::isfinite(v))
                tinynn::fuzz::violated("accepted a non-finite feature", "");
        if (csv.task == Task::classification) {
            if (d.num_classes < 2 || d.num_classes > 1000)
                tinynn::fuzz::violated("class count out of range", std::to_string(d.num_classes));
            for (const float v : d.targets.to_vector())
                if (!(v >= 0 && v < static_cast<float>(d.num_classes) && v == std::floor(v)))
                    tinynn::fuzz::violated("accepted a bad label", std::to_string(v));
        }
    } catch (const tinynn::Error& e) {
        tinynn::fuzz::check_message(e.what());
    }
    return 0;
}

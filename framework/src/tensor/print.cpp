#include <iomanip>
#include <ostream>

#include "tinynn/tensor.hpp"

namespace tinynn {

// PyTorch's look: tensor([[0.1000, 0.2000], ...]) with requires_grad noted.
std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    if (!t.defined())
        return os << "tensor(undefined)";
    const Matrix& m = t.matrix();
    const auto flags = os.flags();
    const auto precision = os.precision();
    os << std::fixed << std::setprecision(4) << "tensor(";
    auto row = [&](Eigen::Index r) {
        os << '[';
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            os << (c ? ", " : "") << m(r, c);
        os << ']';
    };
    if (t.dim() == 0) {
        os << m(0, 0);
    } else if (t.dim() == 1) {
        row(0);
    } else {
        os << '[';
        for (Eigen::Index r = 0; r < m.rows(); ++r) {
            if (r)
                os << ",\n        ";
            row(r);
        }
        os << ']';
    }
    if (t.requires_grad())
        os << ", requires_grad=True";
    os.flags(flags);
    os.precision(precision);
    return os << ')';
}

}  // namespace tinynn

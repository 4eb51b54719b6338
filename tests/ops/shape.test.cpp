// tinynn::Shape keeps its dims inline but behaves as the std::vector<int64_t>
// it replaced: built from lists, vectors and ranges, edited by push_back,
// insert and erase, compared by value, and refusing more dims than it holds
// with an error rather than writing past its storage.

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/tensor.hpp>

using tinynn::Shape;

TEST_CASE("Shape holds dims as a vector would", "[shape]") {
    const Shape empty;
    CHECK(empty.empty());
    CHECK(empty.size() == 0);
    CHECK(tinynn::format_shape(empty) == "[]");

    Shape s{2, 3};
    CHECK(s.size() == 2);
    CHECK(s.front() == 2);
    CHECK(s.back() == 3);
    s.back() = 5;
    CHECK(s == Shape{2, 5});
    CHECK(s != Shape{2, 5, 1});
    CHECK(s != Shape{2});

    const std::vector<int64_t> dims = {4, 1, 7};
    const Shape from_vector = dims;
    CHECK(static_cast<std::vector<int64_t>>(from_vector) == dims);
    CHECK(Shape(dims.begin() + 1, dims.end()) == Shape{1, 7});
    CHECK(Shape(3, 1) == Shape{1, 1, 1});

    Shape edited{4, 7};
    CHECK(*edited.insert(edited.begin() + 1, 1) == 1);
    CHECK(edited == Shape{4, 1, 7});
    edited.insert(edited.end(), 9);
    CHECK(edited == Shape{4, 1, 7, 9});
    edited.erase(edited.begin());
    CHECK(edited == Shape{1, 7, 9});
    edited.pop_back();
    edited.push_back(2);
    CHECK(edited == Shape{1, 7, 2});
    CHECK(tinynn::format_shape(edited) == "[1, 7, 2]");

    // A copy is its own value.
    Shape copy = edited;
    copy[0] = 8;
    CHECK(edited[0] == 1);
    CHECK(copy == Shape{8, 7, 2});
}

TEST_CASE("Shape refuses more dims than it holds", "[shape][error]") {
    Shape full(Shape::kMaxDims, 2);
    CHECK(full.size() == Shape::kMaxDims);
    CHECK_THROWS_WITH(full.push_back(2), Catch::Contains("a shape has at most 8 dims") &&
                                             Catch::Contains("[2, 2, 2, 2, 2, 2, 2, 2]"));
    CHECK(full.size() == Shape::kMaxDims);
    const std::vector<int64_t> nine(9, 1);
    CHECK_THROWS_AS(Shape(nine), tinynn::Error);
    // A tensor of a higher rank than 2 but within the limit names its shape.
    CHECK_THROWS_WITH(tinynn::zeros({2, 3, 4}), Catch::Contains("[2, 3, 4]"));
}

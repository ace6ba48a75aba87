#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

// Writes a raw file: 8-byte length, header text, data bytes.
void write_raw(const std::filesystem::path& path, const std::string& header, size_t data_bytes,
               uint64_t claimed_length = 0) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = claimed_length ? claimed_length : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(length >> (8 * i)));
  out << header << std::string(data_bytes, '\0');
}

// Opening must fail with a message naming the file and containing `what`.
void expect_error(const std::filesystem::path& path, const std::string& what) {
  try {
    SafetensorsFile::open(path);
    FAIL() << "no error for " << what;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
  }
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  support::TempDir dir;
  std::map<std::string, at::Tensor> tensors = {
      {"f32", at::randn({3, 4})},
      {"f16", at::randn({5}).to(at::kHalf)},
      {"bf16", at::randn({2, 2}).to(at::kBFloat16)},
      {"i64", at::arange(7, at::kLong)},
      {"u8", at::randint(0, 255, {9}, at::kByte)},
      {"bool", at::rand({3}) > 0.5},
      {"scalar", at::scalar_tensor(2.5, at::kDouble)},
      {"empty", at::zeros({0, 3})},
  };
  write_safetensors(dir / "a.safetensors", tensors, {{"format", "pt"}, {"note", "ünïcode"}});
  const auto file = SafetensorsFile::open(dir / "a.safetensors");
  EXPECT_EQ(file.entries().size(), tensors.size());
  EXPECT_EQ(file.metadata().at("note"), "ünïcode");
  for (const auto& [name, tensor] : tensors) {
    const at::Tensor read = file.tensor(name);
    EXPECT_EQ(read.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(at::equal(read, tensor)) << name;
  }
  EXPECT_THROW(file.tensor("missing"), Error);
  // Only the finished file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(Safetensors, MappedTensorsAreCopyOnWrite) {
  support::TempDir dir;
  write_safetensors(dir / "w.safetensors", {{"w", at::ones({64})}});
  {
    const auto file = SafetensorsFile::open(dir / "w.safetensors");
    at::Tensor w = file.tensor("w");
    w.mul_(3);
    EXPECT_EQ(w[0].item<float>(), 3.0f);
  }
  EXPECT_EQ(SafetensorsFile::open(dir / "w.safetensors").tensor("w")[0].item<float>(), 1.0f);
}

TEST(Safetensors, TensorsOutliveTheFileObject) {
  support::TempDir dir;
  write_safetensors(dir / "k.safetensors", {{"k", at::arange(10, at::kFloat)}});
  at::Tensor k = SafetensorsFile::open(dir / "k.safetensors").tensor("k");
  EXPECT_EQ(k[9].item<float>(), 9.0f);
}

TEST(Safetensors, MalformedFilesGiveClearErrors) {
  support::TempDir dir;
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  write_raw(dir / "ok", ok, 8);
  EXPECT_NO_THROW(SafetensorsFile::open(dir / "ok"));

  write_raw(dir / "truncated", ok, 4);
  expect_error(dir / "truncated", "outside");
  { std::ofstream(dir / "tiny", std::ios::binary) << "abc"; }
  expect_error(dir / "tiny", "truncated");
  write_raw(dir / "huge", ok, 8, uint64_t{1} << 40);
  expect_error(dir / "huge", "exceeds");
  write_raw(dir / "cut_header", ok, 0, ok.size() + 100);
  expect_error(dir / "cut_header", "truncated");
  write_raw(
      dir / "overlap",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      12);
  expect_error(dir / "overlap", "overlap");
  write_raw(dir / "range", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8);
  expect_error(dir / "range", "outside");
  write_raw(dir / "dtype", R"({"a":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}})", 8);
  expect_error(dir / "dtype", "unknown dtype");
  write_raw(dir / "json", R"({"a":{"dtype":"F32",)", 8);
  expect_error(dir / "json", "not valid JSON");
  write_raw(dir / "count", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  expect_error(dir / "count", "need 12");
  write_raw(dir / "negative", R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
  expect_error(dir / "negative", "negative");
  write_raw(dir / "meta", R"({"__metadata__":{"a":1}})", 0);
  expect_error(dir / "meta", "not a string");
  write_raw(dir / "array", R"([1,2,3])", 0);
  expect_error(dir / "array", "does not start with '{'");
  write_raw(dir / "padded-json", R"(  {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
  expect_error(dir / "padded-json", "does not start with '{'");
  write_raw(dir / "empty-header", "", 0);
  expect_error(dir / "empty-header", "does not start with '{'");
  // The reference implementation's `validate`: the tensors tile the data section.
  write_raw(dir / "gap", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  expect_error(dir / "gap", "a gap of 4 bytes before tensor 'a'");
  write_raw(dir / "trailing", ok, 12);
  expect_error(dir / "trailing", "4 bytes follow them");
  write_raw(dir / "scalar-and-empty",
            R"({"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}})",
            8);
  EXPECT_NO_THROW(SafetensorsFile::open(dir / "scalar-and-empty"));
  expect_error(dir / "does-not-exist", "cannot open");
  // A name long enough to overflow a std::regex matching it (names are matched
  // against model layouts) is refused; the longest accepted one opens.
  for (const size_t length : {kSafetensorsMaxName, kSafetensorsMaxName + 1, size_t{300000}}) {
    const std::string name(length, 'a');
    write_raw(dir / "long-name", R"({")" + name + R"(":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
    if (length <= kSafetensorsMaxName) {
      EXPECT_NO_THROW(SafetensorsFile::open(dir / "long-name"));
    } else {
      expect_error(dir / "long-name", "the longest accepted is 1024");
    }
  }
}

TEST(Safetensors, UnalignedDataIsCopied) {
  support::TempDir dir;
  // A 1-byte tensor first pushes the float tensor to an odd offset.
  const std::string header =
      R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}})";
  std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  write_raw(dir / "odd", padded, 0);
  {
    std::ofstream out(dir / "odd", std::ios::binary | std::ios::app);
    const float value = 1.5f;
    out.put(7);
    out.write(reinterpret_cast<const char*>(&value), 4);
  }
  const auto file = SafetensorsFile::open(dir / "odd");
  EXPECT_EQ(file.tensor("f")[0].item<float>(), 1.5f);
  EXPECT_EQ(file.tensor("b")[0].item<uint8_t>(), 7);
}

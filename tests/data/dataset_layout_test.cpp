// The files each reference layout needs, and the description of what is missing.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/dataset_layout.hpp"
#include "data/reference_datasets.hpp"
#include "data_test_util.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::write_file;

std::vector<std::string> described(const std::vector<RequiredPath>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(describe(p));
  return out;
}

TEST(DatasetLayout, EveryReferenceDatasetNeedsItsFolderFirst) {
  for (const auto& info : reference_datasets()) {
    const auto paths = required_paths(info, "/data");
    ASSERT_GE(paths.size(), 2u) << info.name;
    EXPECT_EQ(paths[0].path, "/data/" + info.folder) << info.name;
    EXPECT_TRUE(paths[0].folder);
  }
}

TEST(DatasetLayout, ZhouImageNetAndAircraftLayouts) {
  EXPECT_EQ(described(required_paths(*find_reference_dataset("oxford_pets"), "/d")),
            (std::vector<std::string>{"dataset folder /d/oxford_pets/",
                                      "split file /d/oxford_pets/split_zhou_OxfordPets.json",
                                      "image folder /d/oxford_pets/images/"}));
  // Stanford Cars keeps its images in the dataset folder itself.
  EXPECT_EQ(required_paths(*find_reference_dataset("stanford_cars"), "/d").size(), 2u);
  EXPECT_EQ(described(required_paths(*find_reference_dataset("imagenet"), "/d")),
            (std::vector<std::string>{"dataset folder /d/imagenet/", "class list /d/imagenet/classnames.txt",
                                      "training image folder /d/imagenet/images/train/",
                                      "validation image folder (the test split) /d/imagenet/images/val/"}));
  const auto aircraft = described(required_paths(*find_reference_dataset("fgvc_aircraft"), "/d"));
  EXPECT_EQ(aircraft.size(), 6u);
  EXPECT_EQ(aircraft[1], "variant list /d/fgvc_aircraft/variants.txt");
  EXPECT_EQ(aircraft[4], "test list /d/fgvc_aircraft/images_variant_test.txt");
}

TEST(DatasetLayout, MissingPathsAreTheAbsentOnesAndAFileIsNotAFolder) {
  TempDir tmp("layout");
  const ReferenceDatasetInfo& eurosat = *find_reference_dataset("eurosat");
  EXPECT_EQ(missing_paths(eurosat, tmp.str()).size(), 3u);
  fs::create_directories(tmp.path() / "eurosat");
  write_file(tmp.path() / "eurosat" / "2750", "a file where the image folder belongs");
  const auto missing = missing_paths(eurosat, tmp.str());
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].what, "split file");
  EXPECT_EQ(missing[1].what, "image folder");
  const std::string msg = missing_paths_message(eurosat, tmp.str());
  EXPECT_NE(msg.find("dataset eurosat"), std::string::npos) << msg;
  EXPECT_NE(msg.find(tmp.str() + "/eurosat/split_zhou_EuroSAT.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find(tmp.str() + "/eurosat/2750/"), std::string::npos) << msg;
  write_file(tmp.path() / "eurosat" / "split_zhou_EuroSAT.json", "{}");
  fs::remove(tmp.path() / "eurosat" / "2750");
  fs::create_directories(tmp.path() / "eurosat" / "2750");
  EXPECT_TRUE(missing_paths(eurosat, tmp.str()).empty());
  EXPECT_EQ(missing_paths_message(eurosat, tmp.str()), "");
}

}  // namespace
}  // namespace promptlab

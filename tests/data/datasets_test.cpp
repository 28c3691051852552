// Reference and user dataset readers: layouts, counts, labels, class names and bad data.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/dataset_listing.hpp"
#include "data/image_io.hpp"
#include "data/reference_datasets.hpp"
#include "data_test_util.hpp"

namespace promptlab {
namespace {

using test::make_zhou_tree;
using test::TempDir;
using test::write_file;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ReferenceDatasets, ElevenWithProtocolClassCountsAndTemplates) {
  const auto& infos = reference_datasets();
  ASSERT_EQ(infos.size(), 15u);  // the eleven, then ImageNet-V2, -Sketch, -A and -R
  int total = 0, test_only = 0;
  for (const auto& i : infos) {
    if (is_test_only(i)) {
      ++test_only;
      continue;
    }
    total += i.expected_classes;
    EXPECT_NE(i.prompt_template.find("{}"), std::string::npos) << i.name;
  }
  EXPECT_EQ(total, 1000 + 100 + 37 + 196 + 102 + 101 + 100 + 397 + 47 + 10 + 101);
  EXPECT_EQ(test_only, 4);
  EXPECT_EQ(find_reference_dataset("imagenet_a")->expected_classes, 200);
  EXPECT_EQ(find_reference_dataset("imagenet_v2")->image_dir, "imagenetv2-matched-frequency-format-val");
  ASSERT_NE(find_reference_dataset("oxford_pets"), nullptr);
  EXPECT_EQ(find_reference_dataset("oxford_pets")->prompt_template, "a photo of a {}, a type of pet.");
  EXPECT_EQ(find_reference_dataset("dtd")->prompt_template, "{} texture.");
  EXPECT_EQ(find_reference_dataset("eurosat")->prompt_template, "a centered satellite photo of {}.");
  EXPECT_EQ(find_reference_dataset("food101")->prompt_template, "a photo of {}, a type of food.");
  EXPECT_EQ(find_reference_dataset("nope"), nullptr);
}

TEST(ReferenceDatasets, ZhouSplitCountsLabelsAndClassNames) {
  TempDir tmp("zhou");
  make_zhou_tree(tmp.path(), "oxford_pets", "split_zhou_OxfordPets.json", "images", 37, 5, 2, 3);
  auto ds = open_reference_dataset("oxford_pets", {tmp.str()});
  EXPECT_EQ(ds->name(), "oxford_pets");
  auto names = ds->classnames();
  ASSERT_EQ(names.size(), 37u);
  EXPECT_EQ(names[0], "class name 0");  // underscores become spaces
  EXPECT_EQ(names[36], "class name 36");
  EXPECT_EQ(ds->items(Split::kTrain).size(), 37u * 5);
  EXPECT_EQ(ds->items(Split::kVal).size(), 37u * 2);
  EXPECT_EQ(ds->items(Split::kTest).size(), 37u * 3);
  auto test = ds->items(Split::kTest);
  EXPECT_EQ(test[3].label, 1);
  EXPECT_EQ(test[3].classname, "class name 1");
  EXPECT_TRUE(std::filesystem::path(test[3].id).is_absolute());
  EXPECT_TRUE(std::filesystem::exists(test[3].id));
  EXPECT_NE(test[3].id.find("oxford_pets/images/class_name_1/test_0.jpg"), std::string::npos) << test[3].id;
  EXPECT_EQ(ds->prompt_template(), "a photo of a {}, a type of pet.");
  EXPECT_TRUE(dataset_problems(*ds).empty());
}

TEST(ReferenceDatasets, StanfordCarsImagesLiveInTheRootFolder) {
  TempDir tmp("cars");
  make_zhou_tree(tmp.path(), "stanford_cars", "split_zhou_StanfordCars.json", "", 4, 2, 1, 1);
  auto ds = open_reference_dataset("stanford_cars", {tmp.str()});
  EXPECT_EQ(ds->items(Split::kTrain).size(), 8u);
  // Class count differs from the real 196: recorded as a warning, not an error.
  auto problems = dataset_problems(*ds);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("expected 196"), std::string::npos);
}

TEST(ReferenceDatasets, ContentKeyChangesWithContent) {
  TempDir a("key_a"), b("key_b");
  make_zhou_tree(a.path(), "dtd", "split_zhou_DescribableTextures.json", "images", 3, 2, 1, 1);
  make_zhou_tree(b.path(), "dtd", "split_zhou_DescribableTextures.json", "images", 3, 3, 1, 1);
  auto da = open_reference_dataset("dtd", {a.str()});
  auto da2 = open_reference_dataset("dtd", {a.str()});
  auto db = open_reference_dataset("dtd", {b.str()});
  EXPECT_EQ(da->content_key(), da2->content_key());
  EXPECT_NE(da->content_key(), db->content_key());
}

TEST(ReferenceDatasets, MissingRootAndSplitFileErrorsNameThePath) {
  TempDir tmp("missing");
  auto msg = error_of([&] { open_reference_dataset("eurosat", {tmp.str() + "/nowhere"}); });
  EXPECT_NE(msg.find(tmp.str() + "/nowhere"), std::string::npos) << msg;
  std::filesystem::create_directories(tmp.path() / "eurosat" / "2750");
  msg = error_of([&] { open_reference_dataset("eurosat", {tmp.str()}); });
  EXPECT_NE(msg.find("split_zhou_EuroSAT.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  msg = error_of([&] { open_reference_dataset("caltech101", {tmp.str()}); });
  EXPECT_NE(msg.find("caltech-101"), std::string::npos) << msg;
  msg = error_of([&] { open_reference_dataset("cifar", {tmp.str()}); });
  EXPECT_NE(msg.find("oxford_pets"), std::string::npos) << msg;  // lists the known names
}

TEST(ReferenceDatasets, MissingImageIsSkippedWithAWarningNamingIt) {
  TempDir tmp("missing_img");
  make_zhou_tree(tmp.path(), "ucf101", "split_zhou_UCF101.json", "UCF-101-midframes", 3, 4, 1, 2);
  const auto gone = tmp.path() / "ucf101" / "UCF-101-midframes" / "class_name_2" / "train_1.jpg";
  std::filesystem::remove(gone);
  auto ds = open_reference_dataset("ucf101", {tmp.str()});
  EXPECT_EQ(ds->items(Split::kTrain).size(), 11u);
  auto problems = dataset_problems(*ds);
  bool named = false;
  for (const auto& p : problems) {
    if (p.file == gone.string() && p.message.find("train[9]") != std::string::npos &&
        p.message.find("split_zhou_UCF101.json") != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named);
  auto scan = scan_reference_dataset("ucf101", {tmp.str()});
  EXPECT_TRUE(scan.found);
  EXPECT_EQ(scan.n_missing, 1u);
  EXPECT_EQ(scan.n_classes, 3u);
}

TEST(ReferenceDatasets, AllImagesMissingIsAnErrorNamingTheFolder) {
  TempDir tmp("all_missing");
  make_zhou_tree(tmp.path(), "food-101", "split_zhou_Food101.json", "images", 2, 2, 1, 1);
  std::filesystem::rename(tmp.path() / "food-101" / "images", tmp.path() / "food-101" / "elsewhere");
  auto msg = error_of([&] { open_reference_dataset("food101", {tmp.str()}); });
  EXPECT_NE(msg.find("food-101/images"), std::string::npos) << msg;
}

TEST(ReferenceDatasets, MalformedJsonReportsFileAndPosition) {
  TempDir tmp("badjson");
  write_file(tmp.path() / "sun397" / "split_zhou_SUN397.json", "{\n  \"train\": [\n    [\"a.jpg\", 0, \"x\"],,\n");
  std::filesystem::create_directories(tmp.path() / "sun397" / "SUN397");
  auto msg = error_of([&] { open_reference_dataset("sun397", {tmp.str()}); });
  EXPECT_NE(msg.find("split_zhou_SUN397.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  write_file(tmp.path() / "sun397" / "split_zhou_SUN397.json", R"({"train": [["a.jpg", "zero", "x"]], "val": [], "test": []})");
  msg = error_of([&] { open_reference_dataset("sun397", {tmp.str()}); });
  EXPECT_NE(msg.find("train[0]"), std::string::npos) << msg;
}

TEST(ReferenceDatasets, WronglyStructuredSplitsNameFileAndEntry) {
  TempDir tmp("badstructure");
  const auto split = tmp.path() / "sun397" / "split_zhou_SUN397.json";
  std::filesystem::create_directories(tmp.path() / "sun397" / "SUN397");
  write_file(tmp.path() / "sun397" / "SUN397" / "a.jpg", "x");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1, 2, 3]", "expected a JSON object"},
      {R"({"train": 5, "val": [], "test": []})", "missing \"train\" list"},
      {R"({"train": [], "val": []})", "missing \"test\" list"},
      {R"({"train": [["a.jpg", 0]], "val": [], "test": []})", "entry train[0] is not [relpath, label, classname]"},
      {R"({"train": [["a.jpg", 0, 7]], "val": [], "test": []})", "entry train[0]"},
      {R"({"train": [["a.jpg", -1, "x"]], "val": [], "test": []})", "entry train[0] has a negative label"},
      // Labels must be 0..n-1: a label past the others leaves a gap, named.
      {R"({"train": [["a.jpg", 0, "x"], ["a.jpg", 5, "y"]], "val": [], "test": []})", "label 1 has no entries"},
      {R"({"train": [["a.jpg", 0, "x"], ["a.jpg", 1e12, "y"]], "val": [], "test": []})", "train[1]"},
  };
  for (const auto& [text, expected] : cases) {
    write_file(split, text);
    const auto msg = error_of([&] { open_reference_dataset("sun397", {tmp.str()}); });
    EXPECT_NE(msg.find("split_zhou_SUN397.json"), std::string::npos) << text << ": " << msg;
    EXPECT_NE(msg.find(expected), std::string::npos) << text << ": " << msg;
  }
}

TEST(ReferenceDatasets, InvalidUtf8ClassNamesAreNamed) {
  TempDir tmp("badutf8");
  std::filesystem::create_directories(tmp.path() / "sun397" / "SUN397");
  write_file(tmp.path() / "sun397" / "SUN397" / "a.jpg", "x");
  write_file(tmp.path() / "sun397" / "split_zhou_SUN397.json",
             "{\"train\": [[\"a.jpg\", 0, \"caf\xe9\"]], \"val\": [], \"test\": []}");
  auto msg = error_of([&] { open_reference_dataset("sun397", {tmp.str()}); });
  EXPECT_NE(msg.find("split_zhou_SUN397.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;

  const auto dir = tmp.path() / "imagenet";
  write_file(dir / "images" / "train" / "n01" / "a.JPEG", "x");
  write_file(dir / "images" / "val" / "n01" / "b.JPEG", "x");
  write_file(dir / "classnames.txt", "n01 caf\xe9\n");
  msg = error_of([&] { open_reference_dataset("imagenet", {tmp.str()}); });
  EXPECT_NE(msg.find("classnames.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  EXPECT_NE(msg.find(":1"), std::string::npos) << msg;
}

TEST(ReferenceDatasets, ImageNetFolderLayout) {
  TempDir tmp("imagenet");
  const auto dir = tmp.path() / "imagenet";
  const std::vector<std::string> wnids = {"n02", "n01", "n03"};  // labels follow sorted order
  std::string names;
  for (const auto& w : wnids) {
    names += w + " name of " + w + "\n";
    for (int i = 0; i < 14; ++i) write_file(dir / "images" / "train" / w / (w + "_" + std::to_string(i) + ".JPEG"), "x");
    for (int i = 0; i < 3; ++i) write_file(dir / "images" / "val" / w / ("val_" + std::to_string(i) + ".JPEG"), "x");
  }
  write_file(dir / "images" / "train" / "n01" / "notes.txt", "not an image");
  write_file(dir / "classnames.txt", names);
  auto ds = open_reference_dataset("imagenet", {tmp.str()});
  auto cn = ds->classnames();
  ASSERT_EQ(cn.size(), 3u);
  EXPECT_EQ(cn[0], "name of n01");
  EXPECT_EQ(cn[2], "name of n03");
  EXPECT_EQ(ds->items(Split::kTrain).size(), 3u * 4);  // 10 per class held out for val
  EXPECT_EQ(ds->items(Split::kVal).size(), 3u * 10);
  EXPECT_EQ(ds->items(Split::kTest).size(), 3u * 3);
  std::set<std::string> train_ids, val_ids;
  for (const auto& it : ds->items(Split::kTrain)) train_ids.insert(it.id);
  for (const auto& it : ds->items(Split::kVal)) {
    EXPECT_EQ(train_ids.count(it.id), 0u);
    val_ids.insert(it.id);
  }
  EXPECT_EQ(val_ids.size(), 30u);
  EXPECT_EQ(ds->items(Split::kTest)[0].label, 0);
  EXPECT_NE(ds->items(Split::kTest)[0].id.find("/val/n01/"), std::string::npos);

  std::filesystem::remove(dir / "classnames.txt");
  auto msg = error_of([&] { open_reference_dataset("imagenet", {tmp.str()}); });
  EXPECT_NE(msg.find("classnames.txt"), std::string::npos) << msg;
}

TEST(ReferenceDatasets, ImageNetVariantsAreTestOnlyWithImageNetsClassNames) {
  TempDir tmp("imagenet_variants");
  const std::string list = "n01 tench\nn02 goldfish\nn03 shark\nn04 ray\n";
  write_file(tmp.path() / "imagenet" / "classnames.txt", list);
  // ImageNet-V2: folders are class indices into the list; every class of the list is kept.
  const auto v2 = tmp.path() / "imagenetv2" / "imagenetv2-matched-frequency-format-val";
  for (const char* idx : {"3", "0", "1"}) write_file(v2 / idx / "a.jpeg", "x");
  write_file(v2 / "7" / "a.jpeg", "x");  // no such class: skipped with a warning
  auto ds = open_reference_dataset("imagenet_v2", {tmp.str()});
  EXPECT_EQ(ds->classnames().size(), 4u);
  EXPECT_TRUE(ds->items(Split::kTrain).empty());
  EXPECT_TRUE(ds->items(Split::kVal).empty());
  const auto test = ds->items(Split::kTest);
  ASSERT_EQ(test.size(), 3u);
  EXPECT_EQ(test[2].label, 3);
  EXPECT_EQ(test[2].classname, "ray");
  const auto problems = dataset_problems(*ds);
  EXPECT_TRUE(std::any_of(problems.begin(), problems.end(),
                          [](const DatasetProblem& p) { return p.message.find("/7 is not a class index") != std::string::npos; }));
  // ImageNet-A: wnid folders present (2 of the 4 classes) are the classes, in sorted order, so the
  // logits cover those two only; README.txt beside them is ignored.
  const auto a = tmp.path() / "imagenet-adversarial" / "imagenet-a";
  write_file(a / "n04" / "x.JPEG", "x");
  write_file(a / "n02" / "y.JPEG", "x");
  write_file(a / "n02" / "z.JPEG", "x");
  write_file(a / "README.txt", "notes");
  ds = open_reference_dataset("imagenet_a", {tmp.str()});
  EXPECT_EQ(ds->classnames(), (std::vector<std::string>{"goldfish", "ray"}));
  ASSERT_EQ(ds->items(Split::kTest).size(), 3u);
  EXPECT_EQ(ds->items(Split::kTest)[2].label, 1);
  // A folder the class list does not name is an error naming both.
  write_file(a / "n09" / "q.JPEG", "x");
  auto msg = error_of([&] { open_reference_dataset("imagenet_a", {tmp.str()}); });
  EXPECT_NE(msg.find("n09"), std::string::npos) << msg;
  EXPECT_NE(msg.find("classnames.txt"), std::string::npos) << msg;
  // The variant's own class list wins over ImageNet's.
  const auto sketch = tmp.path() / "imagenet-sketch";
  write_file(sketch / "images" / "n01" / "s.JPEG", "x");
  write_file(sketch / "classnames.txt", "n01 sketched tench\n");
  EXPECT_EQ(open_reference_dataset("imagenet_sketch", {tmp.str()})->classnames()[0], "sketched tench");
  // No class list anywhere: both places are named.
  std::filesystem::remove(tmp.path() / "imagenet" / "classnames.txt");
  msg = error_of([&] { open_reference_dataset("imagenet_r", {tmp.str()}); });
  EXPECT_NE(msg.find(tmp.str() + "/imagenet-rendition/classnames.txt (or " + tmp.str() + "/imagenet/classnames.txt)"),
            std::string::npos)
      << msg;
}

TEST(ReferenceDatasets, FgvcAircraftTextFiles) {
  TempDir tmp("fgvc");
  const auto dir = tmp.path() / "fgvc_aircraft";
  write_file(dir / "variants.txt", "707-320\nBoeing 737-200\nA300B4\n");
  write_file(dir / "images_variant_train.txt", "0001 A300B4\n0002 Boeing 737-200\n0003 707-320\n0004 A300B4\n");
  write_file(dir / "images_variant_val.txt", "0005 707-320\n");
  write_file(dir / "images_variant_test.txt", "0006 Boeing 737-200\n0007 A300B4\n");
  for (int i = 1; i <= 7; ++i) write_file(dir / "images" / ("000" + std::to_string(i) + ".jpg"), "x");
  std::filesystem::remove(dir / "images" / "0004.jpg");
  auto ds = open_reference_dataset("fgvc_aircraft", {tmp.str()});
  EXPECT_EQ(ds->classnames(), (std::vector<std::string>{"707-320", "Boeing 737-200", "A300B4"}));
  auto train = ds->items(Split::kTrain);
  ASSERT_EQ(train.size(), 3u);
  EXPECT_EQ(train[0].label, 2);
  EXPECT_EQ(train[1].label, 1);
  EXPECT_EQ(train[1].classname, "Boeing 737-200");
  EXPECT_EQ(ds->items(Split::kTest).size(), 2u);
  bool named = false;
  for (const auto& p : dataset_problems(*ds)) {
    if (p.message.find("0004.jpg") != std::string::npos &&
        p.message.find("images_variant_train.txt: line 4") != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named);
  write_file(dir / "images_variant_val.txt", "0005 707-320\n0006 Concorde\n");
  auto msg = error_of([&] { open_reference_dataset("fgvc_aircraft", {tmp.str()}); });
  EXPECT_NE(msg.find("images_variant_val.txt:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Concorde"), std::string::npos) << msg;
}

TEST(UserDataset, TomlPointingAtASplitJson) {
  TempDir tmp("user");
  make_zhou_tree(tmp.path(), "mine", "split.json", "pics", 3, 2, 1, 2);
  write_file(tmp.path() / "mine.toml",
             "name = \"mine\"\nroot = \"mine\"\nimage_dir = \"pics\"\nsplit_file = \"split.json\"\n"
             "template = \"a photo of a {}, a thing.\"\n");
  auto ds = open_user_dataset((tmp.path() / "mine.toml").string());
  EXPECT_EQ(ds->name(), "mine");
  EXPECT_EQ(ds->prompt_template(), "a photo of a {}, a thing.");
  EXPECT_EQ(ds->classnames().size(), 3u);
  EXPECT_EQ(ds->items(Split::kTest).size(), 6u);

  write_file(tmp.path() / "mine2.toml",
             "name = \"mine2\"\nroot = \"mine\"\nimage_dir = \"pics\"\nsplit_file = \"split.json\"\n"
             "template = \"{}\"\nclassnames = [\"cat\", \"dog\", \"eel\"]\n");
  auto ds2 = open_user_dataset((tmp.path() / "mine2.toml").string());
  EXPECT_EQ(ds2->classnames()[1], "dog");
  EXPECT_EQ(ds2->items(Split::kTrain)[2].classname, "dog");

  write_file(tmp.path() / "bad.toml", "name = \"x\"\ntemplate = \"{}\"\n");
  auto msg = error_of([&] { open_user_dataset((tmp.path() / "bad.toml").string()); });
  EXPECT_NE(msg.find("split_file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.toml"), std::string::npos) << msg;
  write_file(tmp.path() / "broken.toml", "name = \"x\"\ntemplate = \n");
  msg = error_of([&] { open_user_dataset((tmp.path() / "broken.toml").string()); });
  EXPECT_NE(msg.find("broken.toml:2"), std::string::npos) << msg;
}

TEST(ReferenceDatasets, LoadImageDecodesAndNamesCorruptFiles) {
  TempDir tmp("load");
  make_zhou_tree(tmp.path(), "eurosat", "split_zhou_EuroSAT.json", "2750", 2, 1, 1, 1);
  const auto img_dir = tmp.path() / "eurosat" / "2750";
  Image img;
  img.width = 5;
  img.height = 3;
  img.pixels.assign(5 * 3 * 3, 200);
  // The split lists .jpg names; the decoder sniffs content, so a PNG under that name must decode too.
  try {
    write_png(img, (img_dir / "class_name_0" / "train_0.jpg").string());
  } catch (const std::exception& e) {
    GTEST_SKIP() << "image_io not available: " << e.what();
  }
  auto ds = open_reference_dataset("eurosat", {tmp.str()});
  auto train = ds->items(Split::kTrain);
  Image loaded = ds->load_image(train[0]);
  EXPECT_EQ(loaded.width, 5);
  EXPECT_EQ(loaded.height, 3);
  EXPECT_EQ(loaded.pixels[0], 200);
  // train_0 of class 1 holds the single byte "x": corrupt.
  auto msg = error_of([&] { ds->load_image(train[1]); });
  EXPECT_NE(msg.find("class_name_1/train_0.jpg"), std::string::npos) << msg;
  EXPECT_THROW(ds->load_image(train[1]), ImageError);
}

TEST(DatasetListing, ReferenceRowsAndProviders) {
  TempDir tmp("listing");
  make_zhou_tree(tmp.path(), "dtd", "split_zhou_DescribableTextures.json", "images", 47, 1, 1, 1);
  add_dataset_listing_provider([](const DatasetOptions&) {
    DatasetListingRow row;
    row.name = "world_shapes";
    row.source = "embedded";
    row.found = true;
    row.n_classes = 8;
    return std::vector<DatasetListingRow>{row};
  });
  auto rows = list_datasets({tmp.str()});
  // Eleven reference rows, then every provider's (the embedded suite registers one too).
  ASSERT_GE(rows.size(), 12u);
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [](const auto& r) { return r.source == "reference"; }), 15);
  auto dtd = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.name == "dtd"; });
  ASSERT_NE(dtd, rows.end());
  EXPECT_TRUE(dtd->found);
  EXPECT_EQ(dtd->n_classes, 47u);
  EXPECT_EQ(dtd->n_items, 47u * 3);
  EXPECT_EQ(dtd->status, "ok");
  auto pets = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.name == "oxford_pets"; });
  EXPECT_FALSE(pets->found);
  EXPECT_NE(pets->status.find("oxford_pets"), std::string::npos);
  EXPECT_EQ(rows.back().name, "world_shapes");
}

}  // namespace
}  // namespace promptlab

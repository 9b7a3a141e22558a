import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { TileflowError } from '../../core/errors.js';
import { FIXTURES } from '../../../test/support/stac-api.js';
import { walkCatalog } from './catalog.js';
import { isLabelItem, isMlmItem, parseLabelItem, parseMlmItem } from './extensions.js';
import type { StacItem } from './types.js';

const LABEL = path.join(FIXTURES, 'stac/label/examples');
const MLM = path.join(FIXTURES, 'stac/mlm/examples');

function read(file: string): StacItem {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StacItem;
}

/** An invalid-parameter error whose message matches. */
function invalid(pattern: RegExp) {
  return (error: TileflowError) => {
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    assert.match(error.message, pattern);
    return true;
  };
}

const EUROSAT_CLASSES = ['Annual Crop', 'Forest', 'Herbaceous Vegetation', 'Highway', 'Industrial Buildings', 'Pasture', 'Permanent Crop', 'Residential Buildings', 'River', 'SeaLake'];
const SENTINEL2_13 = ['B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12'];

describe('label extension', () => {
  test('SpaceNet roads: three labelled properties, overviews with counts and statistics, a source item', () => {
    const file = path.join(LABEL, 'spacenet-roads/roads_item.json');
    const item = read(file);
    assert.ok(isLabelItem(item));
    const label = parseLabelItem(item, file);
    assert.equal(label.itemId, 'AOI_3_Paris_img101');
    assert.deepEqual(label.properties, ['road_type', 'lane_number', 'paved']);
    assert.equal(label.type, 'vector');
    assert.equal(label.description, 'sample SpaceNet roads label');
    assert.deepEqual(label.classes, [
      { name: 'road_type', classes: ['1', '2', '3', '4', '5', '6'] },
      { name: 'lane_number', classes: ['1', '2', '3', '4', '5'] },
      { name: 'paved', classes: ['0', '1'] },
    ]);
    assert.deepEqual(label.tasks, ['segmentation']);
    assert.deepEqual(label.methods, ['manual']);
    assert.deepEqual(label.overviews[0].counts.slice(4), [
      { name: '5', count: 15 },
      { name: '6', count: 4 },
    ]);
    assert.deepEqual(label.overviews[1], { propertyKey: 'lane_number', counts: [], statistics: [{ name: 'mean', value: 1.8 }, { name: 'max', value: 2 }] });
    assert.deepEqual(label.sources, [{ href: path.join(LABEL, 'spacenet-roads/roads_source.json'), labelAssets: ['road_labels'] }]);
    assert.deepEqual(label.labelAssetKeys, ['road_labels']);
  });

  test('Zanzibar buildings: the "labels" asset, and a source given by absolute URL', () => {
    const label = parseLabelItem(read(path.join(LABEL, 'multidataset/zanzibar/znz001.json')));
    assert.deepEqual(label.classes.map((c) => [c.name, c.classes]), [
      ['building', ['yes']],
      ['condition', ['Complete', 'Incomplete', 'Foundation']],
    ]);
    assert.deepEqual(label.overviews[0].counts, [{ name: 'yes', count: 4440 }]);
    assert.deepEqual(label.labelAssetKeys, ['labels']);
    assert.equal(label.sources[0].href, 'https://oin-hotosm.s3.amazonaws.com/5afeda152b6a08001185f11a/0/5afeda152b6a08001185f11b.tif');
  });

  test('EuroSAT label items (eotdl): ten classes, the name written as a one-element list, the chip as source', async () => {
    const labels: ReturnType<typeof parseLabelItem>[] = [];
    for await (const entry of walkCatalog(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC/catalog.json'))) {
      if (entry.kind === 'item' && isLabelItem(entry.value)) labels.push(parseLabelItem(entry.value, entry.href));
    }
    assert.equal(labels.length, 100);
    const forest = labels.find((l) => l.itemId === 'Forest_2980')!;
    assert.deepEqual(forest.classes, [
      { name: 'label', classes: ['Industrial', 'Forest', 'HerbaceousVegetation', 'PermanentCrop', 'Highway', 'Residential', 'SeaLake', 'River', 'AnnualCrop', 'Pasture'] },
    ]);
    assert.deepEqual(forest.tasks, ['classification']);
    assert.deepEqual(forest.labelAssetKeys, ['asset']);
    assert.equal(forest.sources[0].href, path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC/source/Forest_2980/Forest_2980.json'));
    assert.ok(fs.existsSync(forest.sources[0].href), 'the source resolves to a real file');
  });

  test('eotdl Jaca label items: grass segmentation labels over Sentinel-2 chips', async () => {
    const labels: ReturnType<typeof parseLabelItem>[] = [];
    for await (const entry of walkCatalog(path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/catalog.json'))) {
      if (entry.kind === 'item' && isLabelItem(entry.value)) labels.push(parseLabelItem(entry.value, entry.href));
    }
    assert.deepEqual(labels.map((l) => l.itemId).sort(), ['Jaca_1', 'Jaca_2', 'Jaca_3', 'Jaca_4']);
    const jaca1 = labels.find((l) => l.itemId === 'Jaca_1')!;
    assert.deepEqual(jaca1.classes, [{ name: 'label', classes: ['grass'] }]);
    assert.deepEqual(jaca1.tasks, ['segmentation', 'markerPrompts']);
    assert.equal(jaca1.sources[0].href, path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/sentinel-2-l2a/Jaca_1/Jaca_1.json'));
    assert.equal(jaca1.assets[jaca1.labelAssetKeys[0]].href, '../../../labels_scaneo/Jaca_1.geojson');
  });

  test('pystac label catalog items (STAC 1.0.0-rc.3)', async () => {
    const labels: ReturnType<typeof parseLabelItem>[] = [];
    for await (const entry of walkCatalog(path.join(FIXTURES, 'stac/pystac/tests/data-files/catalogs/label_catalog-v0.8.1/catalog.json'))) {
      if (entry.kind === 'item' && isLabelItem(entry.value)) labels.push(parseLabelItem(entry.value, entry.href));
    }
    assert.equal(labels.length, 31);
    assert.ok(labels.every((l) => l.classes[0].name === 'building' && l.type === 'vector'));
    assert.deepEqual(labels.find((l) => l.itemId === '3b20d4-labels')!.overviews[0].counts, [{ name: 'yes', count: 702 }]);
  });

  test('missing or wrong required fields name the field and the item', () => {
    const item = read(path.join(LABEL, 'spacenet-roads/roads_item.json'));
    const without = (field: string) => ({ ...item, properties: Object.fromEntries(Object.entries(item.properties).filter(([k]) => k !== field)) }) as StacItem;
    assert.throws(() => parseLabelItem(without('label:type')), invalid(/label item 'AOI_3_Paris_img101': label:type is missing/));
    assert.throws(() => parseLabelItem(without('label:properties')), invalid(/'AOI_3_Paris_img101': label:properties is missing/));
    assert.throws(() => parseLabelItem(without('label:description')), invalid(/label:description is missing/));
    assert.throws(() => parseLabelItem({ ...item, properties: { ...item.properties, 'label:type': 'mask' } }), invalid(/label:type must be "vector" or "raster", got "mask"/));
    assert.throws(
      () => parseLabelItem({ ...item, properties: { ...item.properties, 'label:classes': [{ name: 'road_type' }] } }),
      invalid(/label:classes\[0\]\.classes is missing/),
    );
    // Raster labels have no property names: null is allowed, absence is not.
    assert.equal(parseLabelItem({ ...item, properties: { ...item.properties, 'label:properties': null, 'label:type': 'raster' } }).properties, null);
  });
});

describe('MLM extension', () => {
  test('every MLM example item parses', () => {
    const files = fs.readdirSync(MLM).filter((f) => f.startsWith('item_') && f.endsWith('.json'));
    assert.equal(files.length, 9);
    for (const file of files) {
      const item = read(path.join(MLM, file));
      assert.ok(isMlmItem(item), file);
      const model = parseMlmItem(item);
      assert.ok(model.inputs.length > 0 && model.outputs.length > 0, file);
      assert.ok(model.modelAssets.length > 0, file);
    }
  });

  test('ResNet-18 on 13-band EuroSAT (eo bands): bands, shapes, z-score scaling, ten classes', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_eo_bands.json')));
    assert.equal(model.name, 'Resnet-18 Sentinel-2 ALL MOCO');
    assert.equal(model.architecture, 'ResNet');
    assert.deepEqual(model.tasks, ['classification']);
    assert.equal(model.framework, 'pytorch');
    assert.equal(model.frameworkVersion, '2.1.2+cu121');
    assert.equal(model.accelerator, 'cuda');
    assert.equal(model.acceleratorConstrained, false);
    assert.equal(model.totalParameters, 11_700_000);
    assert.equal(model.batchSizeSuggestion, 256);
    assert.equal(model.pretrainedSource, 'EuroSat Sentinel-2');
    const [input] = model.inputs;
    assert.deepEqual(input.bands.map((b) => b.name), SENTINEL2_13);
    assert.deepEqual(input.input, { shape: [-1, 13, 64, 64], dimOrder: ['batch', 'bands', 'height', 'width'], dataType: 'float32' });
    assert.equal(input.valueScaling!.length, 13);
    assert.deepEqual(input.valueScaling![0], { type: 'z-score', mean: 1354.40546513, stddev: 245.71762908 });
    assert.deepEqual(input.preProcessing, [{ format: 'python', expression: 'torchgeo.datamodules.eurosat.EuroSATDataModule.collate_fn' }]);
    assert.equal(input.resizeType, null);
    const [output] = model.outputs;
    assert.deepEqual(output.result, { shape: [-1, 10], dimOrder: ['batch', 'class'], dataType: 'float32' });
    assert.deepEqual(output.classes.map((c) => [c.value, c.name]), EUROSAT_CLASSES.map((name, i) => [i, name]));
    assert.deepEqual(model.modelAssets.map((a) => [a.key, a.artifactType]), [['weights', 'torch.save']]);
    assert.match(model.modelAssets[0].href, /resnet18_sentinel2_all_moco-59bfdff9\.pth$/);
  });

  test('the raster-bands and summarized variants describe the same EuroSAT model', () => {
    for (const file of ['item_raster_bands.json', 'item_eo_and_raster_bands.json', 'item_eo_bands_summarized.json']) {
      const model = parseMlmItem(read(path.join(MLM, file)));
      assert.deepEqual(model.inputs[0].bands.map((b) => b.name), SENTINEL2_13, file);
      assert.deepEqual(model.outputs[0].classes.map((c) => c.name), EUROSAT_CLASSES, file);
    }
    assert.equal(parseMlmItem(read(path.join(MLM, 'item_raster_bands.json'))).inputs[0].valueScaling, null, 'value_scaling: null');
  });

  test('derived bands carry their expression; classes with hex colour hints, titles and nodata', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_bands_expression.json')));
    assert.deepEqual(model.inputs[0].bands, [
      { name: 'B04' },
      { name: 'B03' },
      { name: 'B02' },
      { name: 'NDVI', format: 'rio-calc', expression: '(B08 - B04) / (B08 + B04)' },
    ]);
    assert.deepEqual(model.inputs[0].input.shape, [-1, 4, 64, 64]);
    assert.deepEqual(model.outputs[0].tasks, ['segmentation', 'semantic-segmentation']);
    assert.deepEqual(model.outputs[0].classes, [
      { value: 1, name: 'vegetation', title: 'Vegetation', description: 'Pixels were vegetation is detected.', colorHint: '00FF00', nodata: false },
      { value: 0, name: 'background', title: 'Non-Vegetation', description: 'Anything that is not classified as vegetation.', colorHint: '000000', nodata: false },
    ]);
  });

  test('classification_classes with [r, g, b] colour hints (item_basic) read as RRGGBB', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_basic.json')));
    assert.equal(model.name, 'example-model');
    assert.equal(model.accelerator, null);
    assert.deepEqual(model.inputs[0].bands, []);
    assert.deepEqual(model.inputs[0].input.dimOrder, ['batch', 'channel', 'height', 'width']);
    assert.deepEqual(model.outputs[0].classes.map((c) => [c.value, c.name, c.colorHint]), [
      [0, 'BACKGROUND', '000000'],
      [1, 'CITY', '0000FF'],
    ]);
  });

  test('several inputs and outputs, a gdal-calc pre-processing and a post-processing step', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_multi_io.json')));
    assert.deepEqual(model.inputs.map((i) => [i.name, i.bands.map((b) => b.name), i.input.shape, i.input.dataType]), [
      ['RGB', ['B04', 'B03', 'B02'], [-1, 3, 64, 64], 'uint16'],
      ['NDVI', ['B04', 'B08'], [-1, 1, 64, 64], 'uint16'],
      ['DEM', [], [-1, 1, 64, 64], 'float32'],
    ]);
    assert.deepEqual(model.inputs[1].preProcessing, [{ format: 'gdal-calc', expression: '(A - B) / (A + B)' }]);
    assert.deepEqual(model.outputs.map((o) => o.name), ['vegetation-segmentation', 'inverse-mask']);
    assert.deepEqual(model.outputs[0].classes.map((c) => c.colorHint), [null, '00FF00']);
    assert.deepEqual(model.outputs[1].postProcessing, [{ format: 'gdal-calc', expression: 'logical_not(A)' }]);
  });

  test('a datacube model: variables instead of bands, no classes, a script by URI', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_datacube_variables.json')));
    assert.deepEqual(model.tasks, ['regression', 'downscaling']);
    assert.equal(model.architecture, 'U-Net');
    assert.deepEqual(model.inputs[0].variables.map((v) => v.name), ['land_sea_mask', 'geopotential', 'temperature_2m', '10m_u_component_of_wind', '10m_v_component_of_wind']);
    assert.deepEqual(model.inputs[0].input, { shape: [-1, 5, 128, 256], dimOrder: ['time', 'variables', 'lat', 'lon'], dataType: 'float32' });
    assert.equal(model.inputs[0].preProcessing[0].format, 'uri');
    assert.deepEqual(model.inputs[0].preProcessing[0].expression, { href: 'https://raw.githubusercontent.com/robbiewatt1/ClimateDiffuse/refs/heads/main/src/DatasetUS.py', type: 'text/x-python' });
    assert.deepEqual(model.outputs[0].classes, []);
    assert.deepEqual(model.outputs[0].variables.map((v) => v.name), ['temperature_2m', '10m_u_component_of_wind', '10m_v_component_of_wind']);
  });

  test('classification:classes (the spec spelling) in the U-Net example', () => {
    const model = parseMlmItem(read(path.join(MLM, 'item_pytorch_geo_unet.json')));
    assert.equal(model.name, 'U-Net_efficientnet-b3');
    assert.equal(model.pretrained, true);
    assert.equal(model.totalParameters, 13_160_978);
    assert.deepEqual(model.inputs[0].bands.map((b) => b.name), ['B4', 'B3', 'B2', 'B8', 'B4', 'B3', 'B2', 'B8']);
    assert.deepEqual(model.inputs[0].valueScaling, [{ type: 'z-score', mean: 0, stddev: 3000 }]);
    assert.deepEqual(model.outputs[0].classes.map((c) => [c.value, c.name]), [
      [0, 'class_0'],
      [1, 'class_1'],
    ]);
    assert.equal('pretrainedSource' in model, false, 'absent, not null: unknown rather than from scratch');
  });

  test('missing required fields name the field and the item', () => {
    const item = read(path.join(MLM, 'item_basic.json'));
    const props = item.properties as Record<string, any>;
    const withProps = (changes: Record<string, unknown>) => ({ ...item, properties: { ...props, ...changes } }) as StacItem;
    const { ['mlm:input']: _input, ...noInput } = props;
    assert.throws(() => parseMlmItem({ ...item, properties: noInput } as StacItem), invalid(/MLM item 'example-model': mlm:input is missing/));
    const { ['mlm:architecture']: _arch, ...noArchitecture } = props;
    assert.throws(() => parseMlmItem({ ...item, properties: noArchitecture } as StacItem), invalid(/'example-model': mlm:architecture is missing/));
    const input = props['mlm:input'][0];
    assert.throws(
      () => parseMlmItem(withProps({ 'mlm:input': [{ ...input, input: { dim_order: input.input.dim_order, data_type: 'float32' } }] })),
      invalid(/mlm:input\[0\]\.input\.shape is missing/),
    );
    assert.throws(
      () => parseMlmItem(withProps({ 'mlm:input': [{ ...input, input: { ...input.input, dim_order: ['batch', 'channel'] } }] })),
      invalid(/mlm:input\[0\]\.input\.dim_order names 2 dimensions but mlm:input\[0\]\.input\.shape has 4/),
    );
    const output = props['mlm:output'][0];
    assert.throws(
      () => parseMlmItem(withProps({ 'mlm:output': [{ ...output, classification_classes: [{ value: 0 }] }] })),
      invalid(/mlm:output\[0\]\.classification_classes\[0\]\.name is missing/),
    );
    assert.throws(() => parseMlmItem(withProps({ 'mlm:output': [{ ...output, result: undefined }] })), invalid(/mlm:output\[0\]\.result is missing/));
    assert.throws(
      () => parseMlmItem({ ...item, assets: { model: { ...item.assets.model, roles: ['data'] } } }),
      invalid(/'example-model': assets must include the model: an asset with the role "mlm:model"/),
    );
    const { ['mlm:artifact_type']: _type, ...untyped } = item.assets.model;
    assert.throws(() => parseMlmItem({ ...item, assets: { model: untyped as typeof item.assets.model } }), invalid(/assets\.model\.mlm:artifact_type is missing/));
  });

  test('MLM before v1.3: norm_type with statistics reads as value_scaling', () => {
    const item = read(path.join(MLM, 'item_basic.json'));
    const props = item.properties as Record<string, any>;
    const input = {
      ...props['mlm:input'][0],
      norm_type: 'z-score',
      statistics: [
        { mean: 1, stddev: 2 },
        { mean: 3, stddev: 4 },
        { mean: 5, stddev: 6 },
      ],
    };
    const withInput = (mlmInput: unknown) => ({ ...item, properties: { ...item.properties, 'mlm:input': [mlmInput] } });
    const model = parseMlmItem(withInput(input));
    assert.deepEqual(model.inputs[0].valueScaling, [
      { type: 'z-score', mean: 1, stddev: 2 },
      { type: 'z-score', mean: 3, stddev: 4 },
      { type: 'z-score', mean: 5, stddev: 6 },
    ]);
    assert.throws(
      () => parseMlmItem(withInput({ ...input, norm_type: 'l2' })),
      invalid(/norm_type "l2" has no value_scaling equivalent/),
    );
  });
});

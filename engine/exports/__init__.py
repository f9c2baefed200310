"""Exports of a finished run into the formats training code reads, all derived from the native labels and images
(numpy + PIL; no re-rendering). One module per format; `export.formats=[coco,yolo,...]` picks them and
`export.only=true` re-exports an existing run.

    coco/                       annotations/instances_<split>.json (RLE masks, COCO-17 person keypoints,
                                videos/tracks), annotations/captions_<split>.json, images/<split>/
    yolo/detect, yolo/segment   images/<stem>.png, labels/<stem>.txt, data.yaml  (class index = position in names)
    voc/                        JPEGImages, Annotations (XML), SegmentationClass, SegmentationObject, ImageSets
    kitti/                      image_2, label_2, calib (P2 maps KITTI's level camera frame to pixels)
    cityscapes/                 leftImg8bit/, gtFine/ (labelIds = taxonomy ids, instanceIds = id * 1000 + k)
    webdataset/                 shard-NNNNNN.tar of export.shard_size frames: <stem>.rgb.png, .instance.png,
                                .semantic.png, .depth.npz, .normal.npz, .json
    mot/                        per clip: seqinfo.ini, img1/NNNNNN.png, gt/gt.txt
    hf/                         Hugging Face `datasets` folder: data/<split>-NNNNN-of-NNNNN.parquet, README.md card
    dcase/                      clips with sound: audio/<sample_id>.wav, metadata/<split>.tsv (strong labels)
    activitynet/                clips: <split>.json, <split>_ko.json (dense captions), videos/v_<sample_id>.mp4
    ava/                        clips with people: <split>.csv (per second: person boxes, action, id), action_list.pbtxt
A frame's <stem> is <sample_id>_<frame:04d> (accepted diffusion variants: <stem>_aug<k>).
"""
from __future__ import annotations

from engine.exports.activitynet import write_activitynet
from engine.exports.ava import write_ava
from engine.exports.cityscapes import write_cityscapes
from engine.exports.coco import write_coco
from engine.exports.common import ExportOptions
from engine.exports.dcase import write_dcase
from engine.exports.hf import write_hf
from engine.exports.kitti import write_kitti
from engine.exports.mot import write_mot
from engine.exports.voc import write_voc
from engine.exports.webdataset import write_webdataset
from engine.exports.yolo import write_yolo
from engine.layout import RunLayout

EXPORTERS = {"coco": write_coco, "yolo": write_yolo, "voc": write_voc, "kitti": write_kitti, "cityscapes": write_cityscapes,
             "webdataset": write_webdataset, "mot": write_mot, "hf": write_hf, "dcase": write_dcase,
             "activitynet": write_activitynet, "ava": write_ava}


def export(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> dict:
    return {name: EXPORTERS[name](run, all_labels, taxonomy, options) for name in options.formats}

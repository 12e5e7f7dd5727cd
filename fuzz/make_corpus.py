#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/: small valid files shaped like what the real tools write.

Run from the repository root after `swift build --product aiarts-fuzz`:
python3 fuzz/make_corpus.py (the image seeds are written by the harness). The output is
committed; rerun only to change the seeds.
"""
import base64, gzip, io, json, os, shutil, struct, subprocess, tarfile, zipfile, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def tiny_png():
    """A 2x2 RGB PNG, for the labelme seed that carries its image in imageData."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([200, 30, 40] * 2) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def put(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def event(step, wall, scalars=(), version=None):
    body = field(1, 1, struct.pack("<d", wall)) + field(2, 0, varint(step))
    if version:
        body += field(3, 2, version.encode())
    if scalars:
        values = b"".join(field(1, 2, field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", v))) for tag, v in scalars)
        body += field(5, 2, values)
    return body


def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(crc32c(length))) + data + struct.pack("<I", masked(crc32c(data)))


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    t = "2025-01-01 10:00:0{} [INFO]\t"
    put("paddlex", "train.log", "".join([
        t.format(0) + "[TRAIN] Epoch=1/10, Step=2/50, loss=2.302585, acc1=0.125, lr=0.025, time_each_step=0.31s, eta=0:02:31\n",
        t.format(1) + "[TRAIN] Epoch=1/10, Step=4/50, loss=2.1, acc1=0.25, lr=0.025, time_each_step=0.3s, eta=0:02:30\n",
        t.format(2) + "[TRAIN] Epoch 1 finished, loss=2.1, acc1=0.3 .\n",
        t.format(3) + "[EVAL] Finished, Epoch=1, acc1=0.60, acc5=0.9 .\n",
        t.format(4) + "Model saved in output/epoch_1.\n",
        t.format(5) + "Current evaluated best model in eval_dataset is epoch_1, acc1=0.6\n",
    ]))
    put("paddledet", "train.log",
        "[01/02 10:00:00] ppdet.engine INFO: Epoch: [0] [ 20/500] learning_rate: 0.000100 loss: 1.234567 loss_cls: 0.5 eta: 1:02:03 batch_cost: 0.5000 data_cost: 0.0010 ips: 16.0000 images/s\n"
        "[01/02 10:00:10] ppdet.engine INFO: Epoch: [0] [ 40/500] learning_rate: 0.000100 loss: 1.1 loss_cls: 0.4 eta: 1:01:03 batch_cost: 0.5000 data_cost: 0.0010 ips: 16.0000 images/s\n"
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.456\n"
        " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.678\n")
    put("paddleseg", "train.log",
        "2023-01-01 10:00:00 [INFO]\t[TRAIN] epoch: 1, iter: 10/1000, loss: 2.5000, lr: 0.010000, batch_cost: 0.2500, reader_cost: 0.01000, ips: 32.0000 samples/sec | ETA 00:04:07\n"
        "2023-01-01 10:05:00 [INFO]\t[EVAL] #Images: 500 mIoU: 0.6000 Acc: 0.9000 Kappa: 0.5000 Dice: 0.7000\n"
        "2023-01-01 10:05:00 [INFO]\t[EVAL] The model with the best validation mIoU (0.6000) was saved at iter 1000.\n")
    put("paddleclas", "train.log",
        "[2023/05/10 10:00:00] ppcls INFO: [Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.10000, top1: 0.50000, CELoss: 1.20000, loss: 1.20000, batch_cost: 0.30000s, reader_cost: 0.01000, ips: 100.00000 samples/s, eta: 0:01:00\n"
        "[2023/05/10 10:01:00] ppcls INFO: [Train][Epoch 1/10][Avg]CELoss: 1.10000, loss: 1.10000, top1: 0.55000\n"
        "[2023/05/10 10:01:05] ppcls INFO: [Eval][Epoch 1][Avg]CELoss: 1.00000, loss: 1.00000, top1: 0.60000, top5: 0.90000\n")
    put("keras", "keras3.log",
        "Epoch 1/10\n"
        "\r 1/32 \x1b[37m━━━━━━━━━━━━━━━━━━━━\x1b[0m 5s 170ms/step - accuracy: 0.1000 - loss: 2.3000"
        "\r32/32 \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m 1s 20ms/step - accuracy: 0.9000 - loss: 0.3000 - val_accuracy: 0.8500 - val_loss: 0.4000\n"
        "Epoch 2/10\n32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 20ms/step - accuracy: 0.9200 - loss: 0.2500\n")
    put("keras", "keras2.log",
        "Epoch 1/3\n32/32 [==============================] - 1s 20ms/step - loss: 0.3000 - accuracy: 0.9000 - val_loss: 0.4 - val_accuracy: 0.85\n"
        "10/10 [==============================] - 0s 5ms/step - loss: 0.41 - accuracy: 0.86\n")
    put("hf", "console.log",
        "{'loss': 2.1, 'grad_norm': 1.5, 'learning_rate': 5e-05, 'epoch': 0.5}\n"
        "{'eval_loss': 1.9, 'eval_accuracy': 0.61, 'eval_runtime': 3.2, 'eval_samples_per_second': 150.0, 'epoch': 1.0}\n"
        "{'train_runtime': 60.1, 'train_samples_per_second': 33.3, 'train_loss': 2.0, 'epoch': 1.0}\n"
        " 50%|█████     | 50/100 [00:30<00:30,  1.66it/s]\n")
    put("kv", "train.log", "INFO:root:epoch=1/10 step=10/100 loss=0.5 acc=0.8 eta=0:01:00\nepoch: 2, iter: 20, loss: 0.4, val_acc: 0.81\n")
    put("csv", "keras.csv", "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n0,0.5,0.001,0.9,0.55,0.8\n1,0.7,0.001,0.6,NA,NA\n")
    put("csv", "lightning.csv", "epoch,lr-SGD,step,train_loss_step,val_acc\n0,0.1,49,0.9,\n0,,99,0.8,0.5\n")
    put("csv", "ultralytics.csv",
        "                  epoch,         train/box_loss,       metrics/mAP50(B),                 lr/pg0\n"
        "                      1,                 1.2345,                0.12345,               0.070297\n")
    put("detect", "mixed.log", open(os.path.join(ROOT, "paddlex", "train.log")).read() + open(os.path.join(ROOT, "keras", "keras2.log")).read())
    put("protocol", "metrics.jsonl",
        '{"type":"train","epoch":1,"epochs":10,"step":120,"steps":1000,"loss":0.31,"lr":0.01,"time":1763890000.1}\n'
        '{"type":"eval","epoch":1,"step":120,"acc1":0.7,"loss":NaN}\n'
        '{"type":"checkpoint","epoch":1,"step":120,"path":"checkpoints/epoch_1.pt","best":true}\n')
    put("tfevents", "events.out.tfevents.1.host",
        record(event(0, 1763890000.0, version="brain.Event:2"))
        + record(event(1, 1763890001.0, [("train/loss", 0.5), ("lr", 0.01)]))
        + record(event(2, 1763890002.0, [("train/loss", 0.4)])))
    put("trainerstate", "trainer_state.json", json.dumps({
        "best_model_checkpoint": "out/checkpoint-20", "epoch": 2.0, "global_step": 20, "max_steps": 20, "num_train_epochs": 2,
        "log_history": [{"loss": 2.1, "learning_rate": 5e-05, "epoch": 0.5, "step": 5},
                        {"eval_loss": 1.9, "eval_accuracy": 0.6, "epoch": 1.0, "step": 10},
                        {"loss": "NaN", "epoch": 1.5, "step": 15}]}, indent=2))
    coco = {"images": [{"id": 1, "file_name": "a.jpg", "width": 32, "height": 24}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 3, 10, 8], "area": 80, "iscrowd": 0,
                             "segmentation": [[2, 3, 12, 3, 12, 11, 2, 11]]},
                            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [0, 0, 4, 4], "area": 16, "iscrowd": 1,
                             "segmentation": {"size": [24, 32], "counts": [0, 4, 20, 4, 740]}},
                            {"id": 3, "image_id": 1, "category_id": 2, "bbox": [5, 5, 4, 4], "area": 16, "iscrowd": 0,
                             "segmentation": {"size": [24, 32], "counts": "0`0;5K3M0O1000O1N2M3K5L"}}],
            "categories": [{"id": 1, "name": "cat", "supercategory": "animal"}, {"id": 2, "name": "dog"}]}
    put("coco", "instances_train.json", json.dumps(coco))
    put("json", "coco.json", json.dumps(coco, indent=1))
    put("json", "values.json", '{"a":[1,-2.5e-3,true,false,null,"x\\u00e9\\n\\ud83d\\ude00"],"b":{"c":{}}}')
    put("labelme", "a.json", json.dumps({
        "version": "5.2.1", "flags": {}, "imagePath": "a.jpg", "imageData": None, "imageHeight": 24, "imageWidth": 32,
        "shapes": [{"label": "cat", "points": [[2, 3], [12, 11]], "group_id": None, "shape_type": "rectangle", "flags": {}},
                   {"label": "dog", "points": [[1, 1], [8, 1], [8, 9], [1, 9]], "group_id": 1, "shape_type": "polygon", "flags": {}},
                   {"label": "dog", "points": [[16, 12], [20, 12]], "shape_type": "circle", "flags": {}}]}, indent=2))
    # The image only in imageData (its file is gone), as labelme writes it by default.
    put("labelme", "embedded.json", json.dumps({
        "version": "5.2.1", "flags": {}, "imagePath": "gone.png", "imageData": base64.b64encode(tiny_png()).decode(),
        "imageHeight": 2, "imageWidth": 2,
        "shapes": [{"label": "cat", "points": [[0, 0], [1, 1]], "group_id": None, "shape_type": "rectangle", "flags": {}}]}, indent=2))
    voc = ("<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>a.jpg</filename>\n"
           "\t<size>\n\t\t<width>32</width>\n\t\t<height>24</height>\n\t\t<depth>3</depth>\n\t</size>\n"
           "\t<object>\n\t\t<name>cat</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n"
           "\t\t<bndbox>\n\t\t\t<xmin>2</xmin>\n\t\t\t<ymin>3</ymin>\n\t\t\t<xmax>12</xmax>\n\t\t\t<ymax>11</ymax>\n\t\t</bndbox>\n\t</object>\n"
           "\t<object>\n\t\t<name>dog &amp; co</name>\n\t\t<bndbox><xmin>1.5</xmin><ymin>1</ymin><xmax>30</xmax><ymax>20</ymax></bndbox>\n\t</object>\n"
           "</annotation>\n")
    put("voc", "a.xml", voc)
    put("xml", "a.xml", voc)
    # The VOC devkit's ImageSets/Main lists: a split list, and a per-class list (' 1' padded to the width of '-1').
    put("voc-imagesets", "train.txt", "a\nb\n2008_000008\n")
    put("voc-imagesets", "dog_train.txt", "a  1\nb -1\n2008_000008  0\n")
    put("voc-labelimg", "a.xml",
        "<annotation>\n\t<folder>train</folder>\n\t<filename>a.jpg</filename>\n\t<path>/home/me/train/a.jpg</path>\n"
        "\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n"
        "\t<size>\n\t\t<width>32</width>\n\t\t<height>24</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n"
        "\t<object>\n\t\t<name>cat</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n"
        "\t\t<bndbox>\n\t\t\t<xmin>2</xmin>\n\t\t\t<ymin>3</ymin>\n\t\t\t<xmax>12</xmax>\n\t\t\t<ymax>11</ymax>\n\t\t</bndbox>\n\t</object>\n"
        "</annotation>\n")
    # labelme2voc.py writes class_names.txt with '\n'.join: no final newline.
    put("seg-classnames", "class_names.txt", "_background_\ncat\ndog")
    put("seg-classnames", "labels.txt", "__ignore__\n_background_\ncat\n")
    put("xml", "doctype.xml", '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e "x">]>\n<a k="v&#65;">t<![CDATA[<x>]]><!-- c --><b/></a>\n')
    put("yolo-txt", "detect.txt", "0 0.5 0.5 0.25 0.3\n1 0.1 0.2 0.05 0.05\n")
    put("yolo-txt", "segment.txt", "0 0.1 0.1 0.4 0.1 0.4 0.5 0.1 0.5\n1 0.5 0.5 0.9 0.5 0.7 0.9\n")
    put("yolo-yaml", "list.yaml", "path: .\ntrain: images/train\nval: images/train\nnc: 2\nnames: ['cat', 'dog']\n")
    put("yolo-yaml", "map.yaml", "# ultralytics\npath: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n")
    put("yolo-yaml", "block.yaml", "train: images/train\nnames:\n  - cat\n  - \"dog\"\n")
    put("yolo-txt", "pose.txt", "0 0.5 0.5 0.4 0.6 0.45 0.3 2 0.55 0.3 1\n1 0.2 0.2 0.1 0.1 0 0 0 0.21 0.2 2\n")
    put("yolo-yaml", "anchors.yaml", "base: &base\n  path: .\n  train: images/train\n<<: *base\nval: &v images/train\ntest: *v\n"
        "names: [cat, dog]\ndownload: |\n  from ultralytics.utils.downloads import download\n  download(urls)  # *x: y\n")
    put("yolo-yaml", "pose.yaml", "path: ../datasets/coco8-pose\ntrain: images/train\nval: images/val\n"
        "kpt_shape: [17, 3]\nflip_idx: [0, 2, 1, 4, 3]\nnames:\n  0: person\n")
    put("yolo-yaml", "roboflow.yaml", "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\n"
        "nc: 2\nnames: ['cat', 'dog']\n\nroboflow:\n  workspace: w\n  project: p\n  version: 1\n  license: CC BY 4.0\n")
    put("yolo-darknet", "obj.data", "classes = 2\ntrain = data/train.txt\nvalid = data/valid.txt\nnames = data/obj.names\nbackup = backup/\n")
    put("yolo-darknet", "train.txt", "data/obj_train_data/a.jpg\ndata/obj_train_data/missing.jpg\n")
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("ds/images/a.txt", "stored", compress_type=zipfile.ZIP_STORED)
        f.writestr("ds/labels/a.txt", "0 0.5 0.5 0.2 0.2\n" * 8, compress_type=zipfile.ZIP_DEFLATED)
        f.writestr("ds/empty/", "")
    put("zip", "a.zip", z.getvalue())
    for name, mode in [("a.tar", "w"), ("a.tar.gz", "w:gz")]:
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode=mode, format=tarfile.PAX_FORMAT) as f:
            for path, data in [("ds/a.txt", b"0 0.5 0.5 0.2 0.2\n"), ("ds/" + "long" * 30 + ".txt", b"x")]:
                info = tarfile.TarInfo(path)
                info.size = len(data)
                f.addfile(info, io.BytesIO(data))
            d = tarfile.TarInfo("ds/sub")
            d.type = tarfile.DIRTYPE
            f.addfile(d)
        put("tar", name, b.getvalue())
    # Images: the engine's own encoders (libjpeg, libpng, libwebp) through the harness.
    harness = os.environ.get("AIARTS_FUZZ", ".build/debug/aiarts-fuzz")
    subprocess.run([harness, "--make-image-seeds", os.path.join(ROOT, "image")], check=True)
    subprocess.run([harness, "--make-webp-seeds", os.path.join(ROOT, "webp")], check=True)
    put("predictions", "detection.jsonl",
        '{"type":"header","task":"instance_segmentation","labels":["cat","dog"],"split":"val","epoch":12}\n'
        '{"file":"images/a.jpg","boxes":[{"label":"cat","score":0.8,"bbox":[2,3,10,8],"segmentation":[[2,3,12,3,12,11,2,11]]}]}\n'
        '{"file":"images/b.jpg","boxes":[{"label":"dog","score":0.5,"bbox":[0,0,4,4],"segmentation":{"size":[24,32],"counts":"0`0;5K3M0O1000O1N2M3K5L"}}]}\n')
    put("predictions", "classification.jsonl",
        '{"type":"header","task":"classification","labels":["cat","dog"],"split":"val","epoch":12}\n'
        '{"file":"cat/001.jpg","labels":[{"label":"cat","score":0.91},{"label":"dog","score":0.09}]}\n')
    # A task's predict/<run>/predictions.json, as `task predict` writes it (TaskPredictions, sorted keys).
    put("predict-run", "classification.json",
        '{"epoch":3,"folder":"/ws/tasks/T0001/predict/epoch_3-x","images":[{"boxes":[],"drawn":"/ws/tasks/T0001/predict/epoch_3-x/0000_a.jpg",'
        '"file":"/ws/datasets/D0001/circle/a.jpg","labels":[{"label":"circle","score":0.98},{"label":"square","score":0.01}]},'
        '{"boxes":[],"error":"cannot decode /ws/x.jpg","file":"/ws/x.jpg","labels":[]}],"task":"T0001"}\n')
    put("predict-run", "detection.json",
        '{"epoch":null,"folder":"/ws/tasks/T0002/predict/epoch_last-x","images":[{"boxes":[{"bbox":[12.5,30,40,22],"label":"car","score":0.91}],'
        '"drawn":"../../../etc/passwd","file":"/data/a.jpg","labels":[]}],"task":"T0002"}\n')
    # Decision words as `aiarts review decide` takes them.
    for name, words in [("move-box.txt", "move-box 12 10 10 40 30\n"), ("class.txt", "class Dog\n"),
                        ("add-box.txt", "add-box 狗 -1 2 1e308 nan\n"), ("note.txt", "note  blurry\tand dark\n")]:
        put("review-decision", name, words)


if __name__ == "__main__":
    main()

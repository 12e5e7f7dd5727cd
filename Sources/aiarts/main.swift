print("aiarts")

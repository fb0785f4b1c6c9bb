// Image search by drag and drop or by paste: the dropped or pasted file is handed to the page's file input, whose
// change event Blazor's InputFile already listens to, so all three ways reach the same code.
window.visionSearch = {
  wireImageDrop(zone, inputId) {
    const input = () => document.getElementById(inputId);
    const hand = (files) => {
      const image = [...files].find(f => f.type.startsWith('image/'));
      if (!image || !input() || input().disabled) return; // disabled: the page is still loading
      const transfer = new DataTransfer();
      transfer.items.add(image);
      input().files = transfer.files;
      input().dispatchEvent(new Event('change', { bubbles: true }));
    };
    zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); hand(e.dataTransfer.files); });
    zone.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input()?.click(); } });
    document.addEventListener('paste', e => { if (e.clipboardData?.files?.length) hand(e.clipboardData.files); });
  },
};

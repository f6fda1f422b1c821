/* The admin's calendar and clock (Django's DateTimeShortcuts.js) open 17 px to the right of their
   icon, whatever the room: beside a date field near the right edge of a 1280 px window the
   calendar opened half outside it, and near the bottom it ran below. When Django has placed a
   box, it is moved left or up by as much as it overflows, and no further. A script file of our
   own: the Content-Security-Policy allows no inline script. */
'use strict';
{
    const MARGIN = 8;

    function keepInWindow(box) {
        if (box.style.display !== 'block') {
            return;
        }
        const rect = box.getBoundingClientRect();
        const right = document.documentElement.clientWidth - MARGIN;
        const bottom = window.innerHeight - MARGIN;
        // Django positions the box in page coordinates (position: absolute in <body>).
        if (rect.right > right) {
            box.style.left = Math.max(MARGIN, rect.left - (rect.right - right)) + window.scrollX + 'px';
        }
        if (rect.bottom > bottom) {
            box.style.top = Math.max(MARGIN, rect.top - (rect.bottom - bottom)) + window.scrollY + 'px';
        }
    }

    // Django sets left, top and then display on the box; this runs once it has done all three.
    const observer = new MutationObserver(function(mutations) {
        const boxes = new Set(mutations.map(function(mutation) { return mutation.target; }));
        boxes.forEach(function(box) {
            if (box.matches('.calendarbox, .clockbox')) {
                keepInWindow(box);
            }
        });
    });
    observer.observe(document.body, {attributes: true, attributeFilter: ['style'], subtree: true});
}
